use std::time::Instant;
use xent_core::train::{ClassWeighting, OptimizerConfig, TrainConfig, Trainer};
use xent_core::LossConfig;
use xent_ecg::beats::BeatWindow;
use xent_ecg::split::Split;
use xent_ecg::{BeatSource, Cnn1dConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t = Instant::now();
    let db = xent_ecg::mitdb::load("datasets/mitdb")?;
    let window = BeatWindow { before: 45, after: 83, target_fs: Some(180.0), ..BeatWindow::default() };
    let beats = db.beats(&window)?;
    let split = beats.split(Split::InterPatient)?;
    eprintln!("loaded in {:?}: train {} test {}", t.elapsed(), split.train.len(), split.test.len());
    let train = BeatSource::new(split.train);
    let test = BeatSource::new(split.test);
    let epochs: usize = std::env::args().nth(1).map_or(2, |s| s.parse().unwrap());
    let loss: LossConfig = std::env::args().nth(2).map_or(Ok(LossConfig::Categorical), |s| s.parse())?;
    let cw = std::env::args().nth(3).map_or(ClassWeighting::None, |s| if s == "balanced" { ClassWeighting::Balanced } else { ClassWeighting::None });
    let cfg = TrainConfig { loss, epochs, batch_size: 64, optimizer: OptimizerConfig::adam(), class_weight: cw, ..Default::default() };
    let t = Instant::now();
    let out = Trainer::new(cfg).fit(|d| Cnn1dConfig::new().init(d), &train, Some(&test))?;
    let m = out.metrics.unwrap();
    let v = m.valid.unwrap();
    eprintln!("trained in {:?}", t.elapsed());
    println!("{}", serde_json::to_string(&v.summary)?);
    let e = &v.evaluation;
    println!("acc {:?} macroF1 {:?} kappa {:?}", e.accuracy, e.macro_f1, e.cohen_kappa);
    for c in &e.per_class { println!("{} se {:.3} ppv {:.3} n {}", c.class, c.recall, c.precision, c.support); }
    Ok(())
}
