//! Throughput of the tokenizer and of the text networks on R8 (the default task).
//!
//! `cargo run -p xent-text --example bench_text [-- REPEATS]`: one warm-up, then the median of
//! REPEATS (default 3) timed repetitions of: tokenizer training on the R8 training split,
//! encoding the training split (tokens/s), and for each network one training pass of 20 batches
//! of 50 (samples/s, forward + backward + Adam step) and inference over 1,000 documents.

use std::time::Instant;

use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use xent_core::train::{Classifier, DataSource};
use xent_core::{LossConfig, TrainingLoss};
use xent_text::corpus::reuters::{self, Task};
use xent_text::{BagOfWords, TextCnnConfig, TextTokenizer, TfIdf, TokenIds, TokenizerConfig, model::ModelKind};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time<T>(repeats: usize, mut f: impl FnMut() -> T) -> f64 {
    f();
    median((0..repeats).map(|_| { let t = Instant::now(); f(); t.elapsed().as_secs_f64() }).collect())
}

fn train_pass<D: DataSource, M: Classifier<Batch = D::Batch>>(model: M, data: &D, device: &Device) -> M {
    let mut model = model;
    let mut optim = AdamConfig::new().init();
    let loss = TrainingLoss::new(LossConfig::Categorical);
    let k = data.num_classes();
    for b in 0..20 {
        let idx: Vec<usize> = (b * 50..b * 50 + 50).collect();
        let x = data.batch(&idx, device).unwrap();
        let mut y = vec![0f32; 50 * k];
        if let xent_core::Targets::Labels(l) = data.targets() {
            idx.iter().enumerate().for_each(|(r, &i)| y[r * k + l[i] as usize] = 1.0);
        }
        let y = Tensor::<2>::from_data(TensorData::new(y, [50, k]), device);
        let l = loss.forward(model.forward(&x), y, None);
        let grads = GradientsParams::from_grads(l.backward(), &model);
        model = optim.step(1e-3, model, grads);
    }
    model
}

fn main() {
    let repeats: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(3).max(1);
    let datasets = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets");
    let corpus = reuters::load(&reuters::default_archive(&datasets), Task::R8).unwrap();
    let texts: Vec<&str> = corpus.train.iter().map(|d| d.text.as_str()).collect();
    let cfg = TokenizerConfig::default();
    let t_train = time(repeats, || TextTokenizer::train(&cfg, texts.iter()).unwrap());
    let tok = TextTokenizer::train(&cfg, texts.iter()).unwrap();
    let enc = tok.encode(&texts).unwrap();
    let t_enc = time(repeats, || tok.encode(&texts).unwrap());
    println!("tokenizer: train on R8 train ({} docs) {:.3} s; encode {} tokens in {:.3} s = {:.2} M tokens/s",
        texts.len(), t_train, enc.tokens, t_enc, enc.tokens as f64 / t_enc / 1e6);
    let docs: Vec<&xent_text::Document> = corpus.train.iter().collect();
    let data = TokenIds::encode(&tok, &docs, corpus.num_classes(), false).unwrap();
    let k = corpus.num_classes();
    let ids = tok.encode_whole(&texts).unwrap();
    let tfidf = TfIdf::fit(&ids, tok.vocab_size()).unwrap();
    let bags = BagOfWords::from_ids(&tfidf, &ids, data.targets().clone(), k).unwrap();
    for kind in [ModelKind::Kim, ModelKind::Question, ModelKind::Mlp, ModelKind::Linear] {
        let mc = TextCnnConfig::new(kind, tok.vocab_size(), tok.max_len(), k);
        let (train, infer) = match kind {
            ModelKind::Kim => bench(repeats, |d| mc.init_kim(d), &data),
            ModelKind::Question => bench(repeats, |d| mc.init_question(d), &data),
            ModelKind::Mlp => bench(repeats, |d| mc.init_mlp(d), &bags),
            ModelKind::Linear => bench(repeats, |d| mc.init_linear(d), &bags),
        };
        println!("{:>6} (len {}, vocab {}, width {}): train {train:.0} samples/s, inference {infer:.0} samples/s (incl. init)",
            kind.name(), if kind.is_bag_of_words() { "whole".into() } else { tok.max_len().to_string() }, tok.vocab_size(), mc.embed_dim);
    }
}

/// Training samples/s (20 batches of 50) and inference samples/s (1,000 samples in batches of
/// 250, model built each pass) of one network.
fn bench<D: DataSource, M: Classifier<Batch = D::Batch>>(repeats: usize, init: impl Fn(&Device) -> M, data: &D) -> (f64, f64) {
    let device = xent_core::default_device().autodiff();
    let plain = xent_core::default_device();
    let t = time(repeats, || drop(train_pass(init(&device), data, &device)));
    let idx: Vec<usize> = (0..1000).collect();
    let ti = time(repeats, || {
        for c in idx.chunks(250) {
            let x = data.batch(c, &plain).unwrap();
            init(&plain).forward(&x).sum().into_scalar::<f32>();
        }
    });
    (1000.0 / t, 1000.0 / ti)
}
