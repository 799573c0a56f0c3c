//! The binary: outputs, exit codes and error messages.

use super::common::binary as run;
use unitsum_gpu::Evaluator;

fn temp_spec(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("unitsum-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn eval_json_has_the_shares() {
    let (code, out, err) = run(&[
        "eval",
        "examples/theorem1.json",
        "--backend",
        "cpu",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let shares = v["shares"].as_array().unwrap();
    assert_eq!(shares.len(), 2);
    let r0 = shares[0][0].as_f64().unwrap();
    let r1 = shares[1][0].as_f64().unwrap();
    assert!((r0 + r1 - 1.0).abs() < 1e-12);
    assert!(r0 >= 1.0 - 1.0 / 3.0);
    assert_eq!(v["backend"], "cpu");
    assert_eq!(v["profiles"], 81);
}

fn eval_table_and_csv() {
    let (code, out, _) = run(&["eval", "examples/theorem1.json", "--backend", "cpu"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("min over x") && out.contains("common") && out.contains("uniform"),
        "{out}"
    );
    let (code, out, _) = run(&[
        "eval",
        "examples/theorem1.json",
        "--backend",
        "cpu",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "backend,method,coalition,state,share,stderr,low95,high95,samples"
    );
    assert_eq!(lines.len(), 3);
    assert!(lines[1].starts_with("cpu,exact,0,0,"));
}

fn eval_csv_numbers_are_shortest_round_trip() {
    let args = [
        "eval",
        "examples/theorem1.json",
        "--backend",
        "cpu",
        "--format",
    ];
    let (code, csv, err) = run(&[&args[..], &["csv"]].concat());
    assert_eq!(code, 0, "{err}");
    let (code, json, err) = run(&[&args[..], &["json"]].concat());
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (j, x): (usize, usize) = (f[2].parse().unwrap(), f[3].parse().unwrap());
        let share = v["shares"][j][x].as_f64().unwrap();
        // The share as Rust's shortest round-trip form, as JSON has it.
        assert_eq!(f[4], share.to_string(), "{line}");
        assert_eq!(f[4].parse::<f64>().unwrap(), share);
        for number in &f[4..8] {
            assert!(!number.contains('e'), "{line}");
        }
    }
}

fn counts_in_messages_are_singular_for_one() {
    let path = temp_spec(
        "one-profile.json",
        r#"{ "players": 2, "actions": 2, "game": { "family": "plurality" },
        "coalitions": [ { "members": [0], "policy": { "kind": "pure", "actions": [0] } },
                        { "members": [1], "policy": { "kind": "pure", "actions": [1] } } ] }"#,
    );
    let (code, out, err) = run(&["eval", &path, "--backend", "cpu", "--method", "exact"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("1 state, 2 coalitions") && out.contains("exact, 1 profile,"),
        "{out}"
    );
    let (code, out, err) = run(&["eval", "examples/theorem1.json", "--backend", "cpu"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("81 profiles,"), "{out}");
}

fn guarantee_table_shows_the_worst_reply_and_state() {
    for spec in ["examples/theorem1.json", "examples/table.json"] {
        let (code, json, err) = run(&["guarantee", spec, "--format", "json"]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let reply = super::common::json_u64s(&v["worst_reply"]);
        let (code, table, err) = run(&["guarantee", spec]);
        assert_eq!(code, 0, "{err}");
        let line = format!(
            "worst reply (the others' actions, in player order): {reply:?} in state {}",
            v["worst_state"]
        );
        assert!(table.contains(&line), "{spec}: no `{line}` in\n{table}");
    }
}

fn eval_both_agrees_on_every_example(_gpu: &mut Evaluator) {
    let mut checked = 0;
    for entry in std::fs::read_dir("examples").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let p = path.display().to_string();
            let (code, out, err) = run(&[
                "eval",
                &p,
                "--backend",
                "both",
                "--samples",
                "200000",
                "--format",
                "json",
            ]);
            assert_eq!(code, 0, "{p}: {out}{err}");
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert_eq!(v["agree"], true, "{p}");
            assert_eq!(v["gpu"]["backend"], "gpu");
            checked += 1;
        }
    }
    assert!(checked >= 3, "examples/ should hold several specs");
}

fn bad_specs_exit_2_naming_the_file_and_path() {
    let path = temp_spec(
        "bad.json",
        r#"{ "players": 2, "actions": 2, "game": { "family": "plurality" },
        "coalitions": [ { "members": [0], "policy": { "kind": "pure", "actions": [5] } },
                        { "members": [1], "policy": { "kind": "uniform" } } ] }"#,
    );
    let (code, out, err) = run(&["eval", &path, "--backend", "cpu"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains(&path)
            && err.contains("coalitions[0].policy.actions[0]")
            && err.contains("out of range"),
        "{err}"
    );
    let (code, _, err) = run(&["eval", "no/such/file.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("no/such/file.json"), "{err}");
    let broken = temp_spec("broken.json", "{ \"players\": ");
    let (code, _, err) = run(&["eval", &broken]);
    assert_eq!(code, 2);
    assert!(err.contains("not valid JSON"), "{err}");
    let (code, _, _) = run(&["eval"]);
    assert_eq!(code, 2);
    let (code, _, _) = run(&["eval", "examples/theorem1.json", "--backend", "quantum"]);
    assert_eq!(code, 2);
}

fn too_many_profiles_suggests_sampling() {
    // Beyond enumeration and, at 10^17 count vectors, beyond the counts method.
    let members: Vec<usize> = (0..1000).collect();
    let spec = serde_json::json!({ "players": 1000, "actions": 8, "game": { "family": "plurality" },
        "coalitions": [ { "members": members, "policy": { "kind": "uniform" } } ] });
    let path = temp_spec("huge.json", &spec.to_string());
    let (code, _, err) = run(&["eval", &path, "--backend", "cpu", "--method", "exact"]);
    assert_eq!(code, 2);
    assert!(err.contains("--method sample"), "{err}");
    // auto samples instead, and says so.
    let (code, out, err) = run(&[
        "eval",
        &path,
        "--backend",
        "cpu",
        "--samples",
        "20000",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("sampling"), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["method"], "sample");
    assert_eq!(v["samples"], 20000);
    assert_eq!(v["stderr"].as_array().unwrap().len(), 1);
    assert_eq!(v["interval95"][0][0].as_array().unwrap().len(), 2);
}

fn sampling_csv_and_table_show_error_bars() {
    let (code, out, _) = run(&[
        "eval",
        "examples/theorem1.json",
        "--backend",
        "cpu",
        "--method",
        "sample",
        "--samples",
        "1000",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0);
    let row: Vec<&str> = out.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(row[1], "sample");
    assert_eq!(row[8], "1000");
    let (share, se, lo, hi): (f64, f64, f64, f64) = (
        row[4].parse().unwrap(),
        row[5].parse().unwrap(),
        row[6].parse().unwrap(),
        row[7].parse().unwrap(),
    );
    assert!(
        se > 0.0
            && (lo - (share - 1.96 * se)).abs() < 1e-9
            && (hi - (share + 1.96 * se)).abs() < 1e-9
    );
    let (code, out, _) = run(&[
        "eval",
        "examples/theorem1.json",
        "--backend",
        "cpu",
        "--method",
        "sample",
        "--samples",
        "1000",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("±") && out.contains("1000 samples"), "{out}");
    let (code, _, err) = run(&[
        "eval",
        "examples/theorem1.json",
        "--method",
        "sample",
        "--samples",
        "1",
    ]);
    assert_eq!(code, 2, "{err}");
}

fn devices_lists_adapters() {
    let (code, out, _) = run(&["devices", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let list = v.as_array().unwrap();
    if super::common::gpu().is_some() {
        assert!(list.iter().any(|a| a["selected"] == true), "{out}");
    }
}

fn check_exit_codes() {
    let (code, out, _) = run(&["check", "examples/theorem1.json"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("every profile") && out.contains("hold"),
        "{out}"
    );
    // The table example is not symmetric in its second state.
    let (code, out, _) = run(&["check", "examples/table.json", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["violation"]["property"], "symmetry");
    assert_eq!(v["violation"]["state"], 1);
    let (code, _, err) = run(&["check", "no/such.json"]);
    assert_eq!(code, 2, "{err}");
}

fn counts_on_a_table_game_is_refused_with_exit_2() {
    let (code, _, err) = run(&[
        "eval",
        "examples/table.json",
        "--method",
        "counts",
        "--backend",
        "cpu",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("symmetric"), "{err}");
}

fn bench_quick_measures_every_case_on_the_cpu() {
    let (code, out, err) = run(&["bench", "--quick", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    // A debug build says its figures are not representative (the binary
    // is built with the tests' profile).
    assert_eq!(
        err.contains("debug build") && err.contains("not representative"),
        cfg!(debug_assertions),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = v.as_array().expect("a JSON array of rows");
    let cpu: Vec<&serde_json::Value> = rows.iter().filter(|r| r["backend"] == "cpu").collect();
    let units: Vec<&str> = cpu.iter().map(|r| r["unit"].as_str().unwrap()).collect();
    assert_eq!(
        units,
        [
            "profiles/s",
            "profiles/s",
            "profiles/s",
            "samples/s",
            "pairs/s",
            "ms/evaluation"
        ]
    );
    // The GPU rows too, where there is an adapter (CI requires one).
    let gpu_rows = rows.iter().filter(|r| r["backend"] == "gpu").count();
    let has_gpu = super::common::gpu().is_some();
    assert_eq!(gpu_rows, if has_gpu { cpu.len() } else { 0 });
    for row in rows {
        let (work, seconds, rate) = (
            row["work"].as_f64().unwrap(),
            row["seconds"].as_f64().unwrap(),
            row["rate"].as_f64().unwrap(),
        );
        assert!(work > 0.0 && seconds > 0.0 && rate > 0.0, "{row}");
        // The binary counts heap bytes; none of these cases holds 64 MB.
        let heap = row["peak_heap_bytes"].as_u64().expect("a heap figure");
        assert!(heap < 64 << 20, "{row}");
        if row["unit"] != "ms/evaluation" {
            assert!((rate - work / seconds).abs() <= 1e-9 * rate, "{row}");
        }
    }
}

fn bench_scale_quick_times_every_algorithm_exactly() {
    let (code, out, err) = run(&["bench", "--scale", "--quick", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = v.as_array().expect("a JSON array of rows");
    // Seven counts rows, two role rows (leave-one-out per role), then two
    // certified security values.
    assert_eq!(rows.len(), 11, "{out}");
    for (i, row) in rows.iter().enumerate() {
        let method = if i < 9 { "counts" } else { "double-oracle" };
        assert_eq!(row["method"], method, "{row}");
        assert_eq!(row["backend"], "cpu", "{row}");
        assert!(row["seconds"].as_f64().unwrap() > 0.0, "{row}");
    }
    for row in &rows[7..9] {
        let case = row["case"].as_str().unwrap();
        assert!(
            case.contains("roles") && case.ends_with("[leave-one-out]"),
            "{row}"
        );
    }
    for row in &rows[9..] {
        let case = row["case"].as_str().unwrap();
        assert!(
            case.contains("security value") && case.contains("[gap "),
            "{row}"
        );
    }
    // Deviation payoffs are k evaluations each.
    assert_eq!(rows[0]["work"], 3);
    assert_eq!(rows[1]["work"], 4);
}

fn eval_auto_uses_the_cpu_when_the_only_adapters_are_software() {
    let (code, devices, _) = run(&["devices", "--format", "json"]);
    assert_eq!(code, 0);
    let adapters: Vec<serde_json::Value> = serde_json::from_str(&devices).unwrap();
    let software_only = adapters.iter().all(|a| a["software"] == true);
    let (code, out, err) = run(&["eval", "examples/theorem1.json", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    if software_only {
        assert_eq!(v["backend"], "cpu", "{out}");
        let why = if adapters.is_empty() {
            "no GPU adapter"
        } else {
            "skipped the software adapter"
        };
        assert!(err.contains(why), "{err}");
    } else {
        assert_eq!(v["backend"], "gpu", "{out}");
    }
}

fn output_that_cannot_be_written_exits_1_without_a_panic() {
    if !std::path::Path::new("/dev/full").exists() {
        panic!("this test needs /dev/full (Linux)");
    }
    for args in [
        &["eval", "examples/theorem1.json", "--backend", "cpu"][..],
        &["check", "examples/theorem1.json"][..],
        &["devices"][..],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_unitsum-gpu"))
            .args(args)
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("cannot write standard output"),
            "{args:?}: {err}"
        );
    }
}

fn enumerated_flags_are_refused_before_any_work() {
    for (args, flag) in [
        (
            &["eval", "examples/theorem1.json", "--backend", "fast"][..],
            "--backend",
        ),
        (
            &["guarantee", "examples/theorem1.json", "--format", "xml"][..],
            "--format",
        ),
        (
            &["sweep", "theorem1", "--method", "fastest"][..],
            "--method",
        ),
        (
            &[
                "sweep",
                "grid",
                "examples/grids/copy-grid.json",
                "--plot",
                "p.svg",
            ][..],
            "--plot",
        ),
    ] {
        let (code, _, err) = run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(flag), "{args:?}: {err}");
    }
}

super::trials! {
    cpu: [eval_json_has_the_shares, eval_table_and_csv, eval_csv_numbers_are_shortest_round_trip, counts_in_messages_are_singular_for_one, guarantee_table_shows_the_worst_reply_and_state, bad_specs_exit_2_naming_the_file_and_path, too_many_profiles_suggests_sampling, sampling_csv_and_table_show_error_bars, devices_lists_adapters, check_exit_codes, counts_on_a_table_game_is_refused_with_exit_2, bench_quick_measures_every_case_on_the_cpu, bench_scale_quick_times_every_algorithm_exactly, eval_auto_uses_the_cpu_when_the_only_adapters_are_software, output_that_cannot_be_written_exits_1_without_a_panic, enumerated_flags_are_refused_before_any_work],
    gpu: [eval_both_agrees_on_every_example],
}
