//! `unitsum-gpu devices`: the adapters wgpu sees and which one is used.

use std::process::ExitCode;

use clap::Args;
use unitsum_gpu::Evaluator;

use crate::{emit, Outcome, ReportFormatArg};

#[derive(Args)]
pub struct DevicesArgs {
    /// Output format (table or json).
    #[arg(long, value_enum, default_value_t = ReportFormatArg::Table)]
    format: ReportFormatArg,
}

/// What the user is told when no adapter exists.
const NO_ADAPTER_HINT: &str = "no Vulkan, Metal, DX12 or GL adapter was found. On Debian/Ubuntu \
install a software Vulkan driver with `apt-get install mesa-vulkan-drivers libvulkan1` (lavapipe), \
or use --backend cpu";

pub fn run(args: DevicesArgs) -> Outcome {
    let adapters = Evaluator::new().adapters();
    if args.format == ReportFormatArg::Json {
        emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&adapters).expect("serialisable")
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    if adapters.is_empty() {
        match std::env::var("WGPU_ADAPTER_NAME") {
            Ok(wanted) => out.push_str(&format!(
                "no adapter's name contains WGPU_ADAPTER_NAME={wanted:?}; unset it to list them all\n"
            )),
            Err(_) => {
                out.push_str(NO_ADAPTER_HINT);
                out.push('\n');
            }
        }
    }
    for a in &adapters {
        out.push_str(&format!(
            "{} {} [{}, {}] driver {}; f64 {}{}\n",
            if a.selected { "*" } else { " " },
            a.name,
            a.api,
            a.device_type,
            a.driver,
            if a.shader_f64 {
                "yes"
            } else {
                "no (f32 accumulators)"
            },
            if a.software {
                "; software: --backend auto skips it"
            } else {
                ""
            }
        ));
    }
    if !adapters.is_empty() {
        out.push_str("(* = used by --backend gpu; choose another with WGPU_ADAPTER_NAME=substring or WGPU_BACKEND=vulkan)\n");
    }
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}
