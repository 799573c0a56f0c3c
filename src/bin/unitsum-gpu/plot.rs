//! SVG plots (plotters, SVG backend) of the preset sweeps: r_0 against n per
//! k with the 1 − 1/k lines (Theorem 1), and min r_0 against coalition 0's
//! fraction of the players with the q/(q+1) staircase (Theorem 2); and the
//! guarantee curve v(s) with both theorems' lines.

use std::collections::BTreeMap;

use plotters::prelude::*;

use unitsum_gpu::sweep::Row;
use unitsum_gpu::{Error, Result};

const SIZE: (u32, u32) = (960, 640);
const COLORS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

type Chart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;
type DrawResult<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// A white canvas with a title and x, y ranges: the frame every plot shares.
fn frame<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    title: &str,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
) -> DrawResult<Chart<'a, 'b>> {
    root.fill(&WHITE)?;
    Ok(ChartBuilder::on(root)
        .caption(title, ("sans-serif", 20))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(x, y)?)
}

/// The legend box, on a translucent white background.
fn legend<'a, 'b: 'a>(chart: &mut Chart<'a, 'b>, position: SeriesLabelPosition) -> DrawResult<()> {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(position)
        .draw()?;
    Ok(())
}

fn plot_error(path: &std::path::Path, e: impl std::fmt::Display) -> Error {
    Error::write(
        path,
        std::io::Error::other(format!("cannot draw the plot: {e}")),
    )
}

/// Theorem 1: for each k, the minimum over opponents and sizes of r_0
/// against n, with the bound 1 − 1/k dashed in the same colour.
pub fn theorem1(rows: &[Row], path: &std::path::Path) -> Result<()> {
    let mut series: BTreeMap<usize, BTreeMap<usize, f64>> = BTreeMap::new();
    for r in rows {
        let e = series
            .entry(r.actions)
            .or_default()
            .entry(r.players)
            .or_insert(f64::INFINITY);
        *e = e.min(r.min_shares[0]);
    }
    let (x0, x1) = rows.iter().fold((usize::MAX, 0), |(a, b), r| {
        (a.min(r.players), b.max(r.players))
    });
    let y0 = rows
        .iter()
        .map(|r| r.min_shares[0])
        .fold(1.0f64, f64::min)
        .min(0.4);
    let draw = || -> std::result::Result<(), Box<dyn std::error::Error>> {
        let root = SVGBackend::new(path, SIZE).into_drawing_area();
        let mut chart = frame(
            &root,
            "Theorem 1: a strict majority playing one common uniform action (plurality game)",
            (x0 as f64 - 0.5)..(x1 as f64 + 0.5),
            (y0 - 0.02)..1.0,
        )?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_labels((x1 - x0 + 1).min(20))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .x_desc("players n")
            .y_desc("majority's share r_0 (min over states and opponents)")
            .draw()?;
        for (i, (&k, points)) in series.iter().enumerate() {
            let color = COLORS[i % COLORS.len()];
            let line: Vec<(f64, f64)> = points.iter().map(|(&n, &r)| (n as f64, r)).collect();
            chart
                .draw_series(LineSeries::new(line.clone(), color.stroke_width(2)))?
                .label(format!("k = {k}"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            chart.draw_series(line.iter().map(|&p| Circle::new(p, 4, color.filled())))?;
            let bound = 1.0 - 1.0 / k as f64;
            chart.draw_series(DashedLineSeries::new(
                vec![(x0 as f64 - 0.5, bound), (x1 as f64 + 0.5, bound)],
                6,
                4,
                color.stroke_width(1),
            ))?;
        }
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
            .label("dashed: the bound 1 − 1/k")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(1)));
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        root.present()?;
        Ok(())
    };
    draw().map_err(|e| plot_error(path, e))
}

/// Theorem 2: min over states of r_0 for every row against coalition 0's
/// fraction (n − m2)/n, one colour per family, with the staircase q/(q+1).
pub fn theorem2(rows: &[Row], path: &std::path::Path) -> Result<()> {
    let mut families: BTreeMap<&str, Vec<(f64, f64)>> = BTreeMap::new();
    for r in rows {
        let fraction = r.sizes[0] as f64 / r.players as f64;
        families
            .entry(r.family.as_str())
            .or_default()
            .push((fraction, r.min_shares[0]));
    }
    let x0 = rows
        .iter()
        .map(|r| r.sizes[0] as f64 / r.players as f64)
        .fold(1.0f64, f64::min);
    let y0 = rows
        .iter()
        .map(|r| r.min_shares[0])
        .fold(1.0f64, f64::min)
        .min(0.45);
    let draw = || -> std::result::Result<(), Box<dyn std::error::Error>> {
        let root = SVGBackend::new(path, SIZE).into_drawing_area();
        let mut chart = frame(
            &root,
            "Theorem 2: a coalition copying the others q times (symmetric games)",
            (x0 - 0.02)..1.0,
            (y0 - 0.02)..1.0,
        )?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc("coalition's fraction of the players (n − m2)/n")
            .y_desc("copier's share r_0 (min over states)")
            .draw()?;
        // The staircase: q/(q+1) on [q/(q+1), (q+1)/(q+2)).
        let mut stairs = Vec::new();
        for q in 1..200u32 {
            let (start, end) = (q as f64 / (q + 1) as f64, (q + 1) as f64 / (q + 2) as f64);
            let level = q as f64 / (q + 1) as f64;
            if end < x0 {
                continue;
            }
            stairs.push((start.max(x0 - 0.02), level));
            stairs.push((end.min(1.0), level));
            if end >= 1.0 {
                break;
            }
        }
        chart
            .draw_series(LineSeries::new(stairs, BLACK.stroke_width(2)))?
            .label("bound q/(q+1), q = ⌊(n − m2)/m2⌋")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(2)));
        for (i, (family, points)) in families.iter().enumerate() {
            let color = COLORS[i % COLORS.len()];
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))?
                .label(family.to_string())
                .legend(move |(x, y)| Circle::new((x + 10, y), 4, color.filled()));
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        root.present()?;
        Ok(())
    };
    draw().map_err(|e| plot_error(path, e))
}

/// Contexts: each point's min r_0 against the bound Theorem 2 would give
/// (q/(q+1), by role for role-matched copies, q = ⌊m1/m2⌋ otherwise), one
/// colour per way of copying; on or above the diagonal the bound holds.
pub fn contexts(rows: &[Row], path: &std::path::Path) -> Result<()> {
    let mut series: BTreeMap<&str, Vec<(f64, f64)>> = BTreeMap::new();
    for r in rows {
        let q = r.sizes[0] / r.sizes[1];
        let reference = r.bound.unwrap_or(q as f64 / (q + 1) as f64);
        series
            .entry(r.sweep.as_str())
            .or_default()
            .push((reference, r.min_shares[0]));
    }
    let y0 = rows.iter().map(|r| r.min_shares[0]).fold(0.5f64, f64::min);
    let draw = || -> std::result::Result<(), Box<dyn std::error::Error>> {
        let root = SVGBackend::new(path, SIZE).into_drawing_area();
        let mut chart = frame(
            &root,
            "Theorem 2 across contexts: copying by position, by role and translated",
            0.45..1.0,
            (y0 - 0.02)..1.0,
        )?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc("the bound q/(q+1) that applies (by position: the one Theorem 2 would give)")
            .y_desc("copier's share r_0 (min over states)")
            .draw()?;
        chart
            .draw_series(LineSeries::new(
                vec![(0.45, 0.45), (1.0, 1.0)],
                BLACK.stroke_width(2),
            ))?
            .label("r_0 = bound")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(2)));
        for (i, (sweep, points)) in series.iter().enumerate() {
            let color = COLORS[(i + 3) % COLORS.len()];
            let label = match sweep.strip_prefix("contexts/") {
                Some("order") => "copied by position (no bound applies)",
                Some("role") => "matched by role",
                Some("translated") => "translated actions (bound for proportional)",
                _ => sweep,
            };
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|&p| Circle::new(p, 3, color.mix(0.6).filled())),
                )?
                .label(label)
                .legend(move |(x, y)| Circle::new((x + 10, y), 4, color.filled()));
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        root.present()?;
        Ok(())
    };
    draw().map_err(|e| plot_error(path, e))
}

/// The guarantee curve v(s) against s, with Theorem 1's 1 − 1/k over the
/// strict majorities (plurality) and Theorem 2's q/(q+1) staircase.
pub fn curve(
    points: &[unitsum_gpu::CurvePoint],
    players: usize,
    actions: usize,
    plurality: bool,
    title: &str,
    path: &std::path::Path,
) -> Result<()> {
    let n = players;
    let draw = || -> std::result::Result<(), Box<dyn std::error::Error>> {
        let root = SVGBackend::new(path, SIZE).into_drawing_area();
        let mut chart = frame(&root, title, 0.0..n as f64, 0.0..1.0)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .x_desc("coalition size s (the others: n − s players, who may coordinate)")
            .y_desc("security value v(s) = max over policies of min over states and replies")
            .draw()?;
        let line: Vec<(f64, f64)> = points.iter().map(|p| (p.size as f64, p.value)).collect();
        let blue = COLORS[0];
        chart
            .draw_series(LineSeries::new(line.clone(), blue.stroke_width(2)))?
            .label("v(s), certified")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], blue.stroke_width(2))
            });
        // Markers while they stay apart.
        if points.len() <= 120 {
            chart.draw_series(line.iter().map(|&p| Circle::new(p, 3, blue.filled())))?;
        }
        let spy: Vec<(f64, f64)> = points
            .iter()
            .filter_map(|p| p.spy.map(|v| (p.size as f64, v)))
            .collect();
        if !spy.is_empty() {
            let purple = COLORS[3];
            chart
                .draw_series(DashedLineSeries::new(spy, 3, 3, purple.stroke_width(2)))?
                .label("spy value: the others see the coalition's actions first")
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], purple.stroke_width(2))
                });
        }
        // The theorems' bounds over every s, whatever sizes were solved.
        let orange = COLORS[1];
        if plurality {
            let b = 1.0 - 1.0 / actions as f64;
            chart
                .draw_series(DashedLineSeries::new(
                    vec![((n / 2 + 1) as f64 - 0.5, b), (n as f64 - 0.5, b)],
                    6,
                    4,
                    orange.stroke_width(2),
                ))?
                .label("Theorem 1: 1 − 1/k for a strict majority")
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], orange.stroke_width(2))
                });
        }
        let green = COLORS[2];
        let mut stairs = Vec::new();
        for s in n.div_ceil(2)..n {
            let q = s / (n - s);
            let b = q as f64 / (q + 1) as f64;
            stairs.push((s as f64 - 0.5, b));
            stairs.push((s as f64 + 0.5, b));
        }
        if !stairs.is_empty() {
            chart
                .draw_series(LineSeries::new(stairs, green.stroke_width(2)))?
                .label("Theorem 2: q/(q+1), q = ⌊s/(n − s)⌋")
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], green.stroke_width(2))
                });
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        root.present()?;
        Ok(())
    };
    draw().map_err(|e| plot_error(path, e))
}

/// The characteristic function: with one role, v(s) against s beside the
/// head count s/n (the core needs v(s) ≤ s/n); with two, a heat map of
/// v(s_0, s_1). More roles are not drawn (a note says so).
pub fn power(power: &unitsum_gpu::Power, title: &str, path: &std::path::Path) -> Result<()> {
    let draw = || -> DrawResult<()> {
        let root = SVGBackend::new(path, SIZE).into_drawing_area();
        match power.role_sizes.as_slice() {
            [n] => power_curve(&root, power, *n, title)?,
            [a, b] => power_heat_map(&root, power, (*a, *b), title)?,
            _ => {
                eprintln!("note: --plot draws one or two roles; this game has more");
                return Ok(());
            }
        }
        root.present()?;
        Ok(())
    };
    draw().map_err(|e| plot_error(path, e))
}

fn power_curve(
    root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    power: &unitsum_gpu::Power,
    n: usize,
    title: &str,
) -> DrawResult<()> {
    let mut chart = frame(root, title, 0.0..n as f64, 0.0..1.0)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .x_desc("coalition size |S|")
        .y_desc("v(S): what S secures whatever the others do")
        .draw()?;
    let line: Vec<(f64, f64)> = power
        .points
        .iter()
        .map(|p| (p.size as f64, p.value))
        .collect();
    let blue = COLORS[0];
    chart
        .draw_series(LineSeries::new(line, blue.stroke_width(2)))?
        .label("v(S), certified")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], blue.stroke_width(2)));
    let orange = COLORS[1];
    chart
        .draw_series(DashedLineSeries::new(
            vec![(0.0, 0.0), (n as f64, 1.0)],
            6,
            4,
            orange.stroke_width(2),
        ))?
        .label("|S|/n: above it, the core is empty")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], orange.stroke_width(2)));
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

fn power_heat_map(
    root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    power: &unitsum_gpu::Power,
    (a, b): (usize, usize),
    title: &str,
) -> DrawResult<()> {
    let x = -0.5..a as f64 + 0.5;
    let y = -0.5..b as f64 + 0.5;
    let mut chart = frame(root, title, x, y)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(format!("members of role {} (of {a})", power.roles[0]))
        .y_desc(format!("members of role {} (of {b})", power.roles[1]))
        .draw()?;
    chart.draw_series(power.points.iter().map(|p| {
        let (i, j) = (p.composition[0] as f64, p.composition[1] as f64);
        // White (0) to deep blue (1).
        let shade = |c: u8| (255.0 - p.value * (255.0 - c as f64)) as u8;
        let colour = RGBColor(shade(8), shade(48), shade(107));
        Rectangle::new([(i - 0.5, j - 0.5), (i + 0.5, j + 0.5)], colour.filled())
    }))?;
    // Each cell's value, while the cells are large enough to hold one.
    if power.points.len() <= 400 {
        chart.draw_series(power.points.iter().map(|p| {
            let at = (p.composition[0] as f64 - 0.3, p.composition[1] as f64);
            let ink = if p.value > 0.5 { WHITE } else { BLACK };
            Text::new(
                format!("{:.3}", p.value),
                at,
                ("sans-serif", 12).into_font().color(&ink),
            )
        }))?;
    }
    Ok(())
}
