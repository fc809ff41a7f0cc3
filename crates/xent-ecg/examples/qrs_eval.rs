//! Evaluates the QRS detector on every record of a WFDB directory against its beat annotations
//! (150 ms window), whole records and with ventricular-flutter episodes left out.
//! `cargo run -p xent-ecg --example qrs_eval -- [DIR]`
use xent_ecg::qrs::{EvalConfig, QrsConfig, QrsScore, evaluate_record};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "datasets/mitdb".into());
    let db = xent_ecg::mitdb::load(&dir)?;
    for exclude_vf in [false, true] {
        let eval = EvalConfig { exclude_vf, ..EvalConfig::default() };
        let mut total = QrsScore::default();
        for r in &db.records {
            let s = evaluate_record(r, &QrsConfig::default(), &eval)?;
            total.add(&s);
        }
        println!(
            "exclude_vf={exclude_vf}: TP {} FP {} FN {} Se {:.2}% +P {:.2}%",
            total.tp,
            total.fp,
            total.fn_,
            100.0 * total.sensitivity(),
            100.0 * total.positive_predictivity()
        );
    }
    Ok(())
}
