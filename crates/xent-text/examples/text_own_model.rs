//! Bring your own network: a small Burn module of your own (mean of word embeddings → dense),
//! trained on Reuters R8 under every loss configuration, several seeds each, with the statistics
//! report (`report.md`, the SVG plots, `statistics.json`, `results.csv`) in `runs/text-own-model/`.
//!
//! `cargo run -p xent-text --example text_own_model` (run from the workspace root: it reads
//! `datasets/`; about two minutes on 2 cores).

use serde::Serialize;
use xent_core::artifacts::{DataInfo, sha256_file};
use xent_core::burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use xent_core::burn::{self, prelude::*};
use xent_core::experiment::{ModelConfig, Split};
use xent_core::{Classifier, Plan, TrainConfig, compare_losses};
use xent_text::{CorpusName, Document, TextTokenizer, TokenIds, TokenizerConfig};

/// Your network: token ids → embeddings averaged over the document → one logit per output.
#[derive(Module, Debug)]
struct MeanEmbedding {
    embed: Embedding,
    out: Linear,
}

impl Classifier for MeanEmbedding {
    type Batch = Tensor<2, Int>;
    fn forward(&self, ids: &Tensor<2, Int>) -> Tensor<2> {
        self.out.forward(self.embed.forward(ids.clone()).mean_dim(1).squeeze_dim(1))
    }
}

/// What builds it (recorded in every run's `config.json`); `outputs` is chosen per loss configuration.
#[derive(Serialize)]
struct MeanEmbeddingConfig {
    vocab: usize,
    width: usize,
}

impl ModelConfig for MeanEmbeddingConfig {
    type Model = MeanEmbedding;
    fn init(&self, outputs: usize, device: &Device) -> MeanEmbedding {
        MeanEmbedding { embed: EmbeddingConfig::new(self.vocab, self.width).init(device), out: LinearConfig::new(self.width, outputs).init(device) }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let datasets = std::path::Path::new("datasets");
    let corpus = CorpusName::R8.load(datasets)?;
    let (train_idx, valid_idx) = corpus.holdout(0.1, 0)?; // 10 % of the training documents validate
    let pick = |idx: &[usize]| -> Vec<&Document> { idx.iter().map(|&i| &corpus.train[i]).collect() };
    let (train, valid, test) = (pick(&train_idx), pick(&valid_idx), corpus.test.iter().collect::<Vec<_>>());
    let tokenizer = TextTokenizer::train(&TokenizerConfig::default(), train.iter().map(|d| d.text.as_str()))?;
    let k = corpus.num_classes();
    let ids = |docs: &[&Document]| TokenIds::encode(&tokenizer, docs, k, false);
    let source = &CorpusName::R8.sources(datasets)[0];
    let data = DataInfo { source: source.display().to_string(), sha256: sha256_file(source)? };
    let split = Split::new(ids(&train)?, ids(&valid)?, data).with_test(ids(&test)?).with_class_names(corpus.classes.clone());
    let plan = Plan::seeds(3).with_train(TrainConfig { epochs: 3, batch_size: 32, ..TrainConfig::default() });
    let model = MeanEmbeddingConfig { vocab: tokenizer.vocab_size(), width: 64 };
    let experiment = compare_losses(&model, &split, &plan.in_dir("runs/text-own-model"))?;
    for c in &experiment.comparisons {
        println!("{}: {}", c.metric, c.verdict);
    }
    Ok(())
}
