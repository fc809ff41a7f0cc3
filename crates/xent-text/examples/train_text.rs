//! Library use: train the text pipeline on a corpus and print its report.
//!
//! `cargo run -p xent-text --example train_text -- [CORPUS] [MODEL] [EPOCHS] [SEEDS] [NAME]`
//! e.g. `cargo run -p xent-text --example train_text -- r8 question 5 0 r8-question` (run from
//! the workspace root: it reads `datasets/` and writes `runs/text/NAME/`).

use xent_text::pipeline::{self, CorpusName, TextPlan};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let corpus: CorpusName = a.first().map_or("r8", String::as_str).parse()?;
    let mut plan = TextPlan::new(corpus).with_model(a.get(1).map_or("question", String::as_str).parse()?);
    plan.epochs = a.get(2).map_or(Ok(plan.epochs), |s| s.parse())?;
    plan.seeds = a.get(3).map_or("0", String::as_str).split(',').map(str::parse).collect::<Result<_, _>>()?;
    let name = a.get(4).cloned().unwrap_or_else(|| format!("{}-{}", corpus.name(), plan.model.name()));
    plan.out = ["runs", "text", &name].iter().collect();
    plan.mode = xent_core::OpenMode::Force;
    let summary = pipeline::run(&plan)?;
    print!("{}", pipeline::report_markdown(&plan, &summary));
    Ok(())
}
