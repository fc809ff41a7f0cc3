//! Bring your own network: a small Burn module of your own, trained on MIT-BIH beats under every
//! loss configuration, several seeds each, with the statistics report (`report.md`, the SVG plots,
//! `statistics.json`, `results.csv`) in `runs/ecg-own-model/`.
//!
//! `cargo run -p xent-ecg --example ecg_own_model` (about a minute on 2 cores: the first 300 beats of
//! each DS1 and DS2 record; pass MIT-BIH record names as arguments for fewer).

use serde::Serialize;
use xent_core::burn::nn::{Linear, LinearConfig};
use xent_core::burn::{self, prelude::*, tensor::activation::relu};
use xent_core::experiment::ModelConfig;
use xent_core::{Classifier, Plan, TrainConfig, compare_losses};
use xent_ecg::{BeatBatch, EcgDataConfig};

/// Your network: beat window and RR features → hidden layer → one logit per output.
#[derive(Module, Debug)]
struct BeatMlp {
    hidden: Linear,
    out: Linear,
}

impl Classifier for BeatMlp {
    type Batch = BeatBatch;
    fn forward(&self, beats: &BeatBatch) -> Tensor<2> {
        let x = Tensor::cat(vec![beats.signals.clone().flatten(1, 2), beats.rr.clone()], 1);
        self.out.forward(relu(self.hidden.forward(x)))
    }
}

/// What builds it (recorded in every run's `config.json`); `outputs` is chosen per loss configuration.
#[derive(Serialize)]
struct BeatMlpConfig {
    inputs: usize,
    hidden: usize,
}

impl ModelConfig for BeatMlpConfig {
    type Model = BeatMlp;
    fn init(&self, outputs: usize, device: &Device) -> BeatMlp {
        BeatMlp { hidden: LinearConfig::new(self.inputs, self.hidden).init(device), out: LinearConfig::new(self.hidden, outputs).init(device) }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let records: Vec<String> = std::env::args().skip(1).collect();
    let records = (!records.is_empty()).then_some(records); // all of DS1 and DS2 by default
    let data = EcgDataConfig { records, beats_per_record: Some(300), ..EcgDataConfig::default() };
    let split = data.load()?.split; // inter-patient: DS1 records train, DS2 records test
    let inputs = data.window.channels_for(1) * data.window.length() + xent_ecg::rr::RR_FEATURES;
    let plan = Plan::seeds(3).with_train(TrainConfig { epochs: 3, ..TrainConfig::default() }).in_dir("runs/ecg-own-model");
    let experiment = compare_losses(&BeatMlpConfig { inputs, hidden: 64 }, &split, &plan)?;
    for c in &experiment.comparisons {
        println!("{}: {}", c.metric, c.verdict);
    }
    Ok(())
}
