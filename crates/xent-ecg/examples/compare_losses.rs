//! The library use of DESIGN.md: MIT-BIH beats, the inter-patient split, the 1D-CNN under the three
//! loss configurations with two seeds each, and the statistical verdicts.
//!
//! `cargo run -p xent-ecg --example compare_losses` (a few minutes on 2 cores; add record names as
//! arguments, e.g. `101 106 108 109 112 100 103`, for a quick look).

use xent_core::{Plan, TrainConfig, compare_losses};
use xent_ecg::{Cnn1dConfig, EcgDataConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let records: Vec<String> = std::env::args().skip(1).collect();
    let data = EcgDataConfig { records: (!records.is_empty()).then_some(records), ..EcgDataConfig::default() };
    let split = data.load()?.split; // train on all of DS1, test on DS2 (de Chazal 2004), no validation
    let plan = Plan::seeds(2).with_train(TrainConfig { epochs: 3, batch_size: 64, ..Default::default() });
    let model = Cnn1dConfig::new().with_channels(data.window.channels_for(1));
    let experiment = compare_losses(&model, &split, &plan.in_dir("runs/ecg-example"))?;
    for c in &experiment.comparisons {
        println!("{}: {}", c.metric, c.verdict);
    }
    Ok(())
}
