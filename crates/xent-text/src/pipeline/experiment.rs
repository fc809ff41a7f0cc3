//! The experiment mode (`--experiment`): single-label corpora through xent-core's `compare_losses` (held-out validation, the test split measured once, statistics, temperature scaling, plots).

#[allow(unused_imports)]
use super::*;

/// A [`TextCnnConfig`] for xent-core's experiments with the builder of its network
/// ([`TextCnnConfig::init_question`], `init_kim`, `init_mlp` or `init_linear`); serialised as the
/// configuration alone.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct TextNet<M> {
    /// The network's shapes (the experiment sets `num_classes` per loss configuration).
    pub config: TextCnnConfig,
    /// Builds the network from a configuration.
    #[serde(skip)]
    pub init: fn(&TextCnnConfig, &Device) -> M,
}

impl<M: Classifier> xent_core::experiment::ModelConfig for TextNet<M> {
    type Model = M;
    fn init(&self, outputs: usize, device: &Device) -> M {
        (self.init)(&TextCnnConfig { num_classes: outputs, ..self.config.clone() }, device)
    }
}

/// One split through [`xent_core::experiment::compare_losses`]: validation = every 10th
/// training document of each class in a seeded order (a class keeps at least one training
/// document); the tokenizer is trained on the rest. Runs land in `<sub>/<loss>/seed-<seed>/`,
/// each with `tokenizer.json` and `text.json` added.
pub(super) fn run_experiment(
    plan: &TextPlan,
    corpus: &Corpus,
    train: &[Document],
    test: &[Document],
    data_info: &DataInfo,
    sub: &Path,
) -> Result<(Vec<RunRow>, TextSummary)> {
    if corpus.multi_label {
        return Err(TextError::InvalidArgument(format!(
            "{}: experiments are for single-label corpora; the multi-label pipeline (tuned thresholds) runs without --experiment",
            corpus.name
        )));
    }
    let order = xent_core::train::shuffled(&(0..train.len()).collect::<Vec<_>>(), 98);
    let mut left = corpus.class_counts(train);
    let mut seen = vec![0usize; corpus.num_classes()];
    let (mut fit, mut valid): (Vec<&Document>, Vec<&Document>) = (Vec::new(), Vec::new());
    for i in order {
        let c = train[i].labels[0] as usize;
        seen[c] += 1;
        if seen[c].is_multiple_of(10) && left[c] > 1 {
            left[c] -= 1;
            valid.push(&train[i]);
        } else {
            fit.push(&train[i]);
        }
    }
    let started = Instant::now();
    let tok = TextTokenizer::train(&plan.tokenizer, fit.iter().map(|d| d.text.as_str()))?;
    let tok_seconds = started.elapsed().as_secs_f64();
    let k = corpus.num_classes();
    let test_refs: Vec<&Document> = test.iter().collect();
    let model_cfg = plan.model_config(&tok, k);
    model_cfg.validate()?;
    let xplan = xent_core::experiment::Plan::seeds(1)
        .with_losses(plan.configs.clone())
        .with_train(TrainConfig {
            epochs: plan.epochs,
            batch_size: plan.batch_size,
            optimizer: plan.optimizer,
            ..Default::default()
        })
        .in_dir(sub)
        .quiet(plan.quiet);
    let xplan = xent_core::experiment::Plan { seeds: plan.seeds.clone(), ..xplan };
    // Experiments resume by themselves (finished runs are skipped); --force starts afresh.
    if plan.mode == OpenMode::Force && sub.join("experiment.json").is_file() {
        for entry in std::fs::read_dir(sub).map_err(|e| TextError::io(sub, e))?.flatten() {
            let p = entry.path();
            let r = if p.is_dir() { std::fs::remove_dir_all(&p) } else { std::fs::remove_file(&p) };
            r.map_err(|e| TextError::io(&p, e))?;
        }
    }
    use xent_core::experiment::compare_losses as compare;
    fn split<D>(tr: D, va: D, te: D, info: &DataInfo, classes: &[String]) -> xent_core::experiment::Split<D> {
        xent_core::experiment::Split::new(tr, va, info.clone()).with_test(te).with_class_names(classes.to_vec())
    }
    let started = Instant::now();
    let (experiment, empty, truncated, tfidf) = match plan.model {
        ModelKind::Question | ModelKind::Kim => {
            let enc = |docs: &[&Document]| TokenIds::encode(&tok, docs, k, false);
            let (tr, va, te) = (enc(&fit)?, enc(&valid)?, enc(&test_refs)?);
            let (empty, truncated) = (tr.empty + va.empty + te.empty, tr.truncated + va.truncated + te.truncated);
            let data = split(tr, va, te, data_info, &corpus.classes);
            let e = if plan.model == ModelKind::Question {
                compare(&TextNet { config: model_cfg.clone(), init: TextCnnConfig::init_question }, &data, &xplan)?
            } else {
                compare(&TextNet { config: model_cfg.clone(), init: TextCnnConfig::init_kim }, &data, &xplan)?
            };
            (e, empty, truncated, None)
        }
        ModelKind::Mlp | ModelKind::Linear => {
            let (tfidf, tr) = fit_tfidf(plan, &tok, &fit, k, false)?;
            let enc = |docs: &[&Document]| BagOfWords::encode(&tok, &tfidf, docs, k, false);
            let (va, te) = (enc(&valid)?, enc(&test_refs)?);
            let empty = tr.empty + va.empty + te.empty;
            let data = split(tr, va, te, data_info, &corpus.classes);
            let e = if plan.model == ModelKind::Mlp {
                compare(&TextNet { config: model_cfg.clone(), init: TextCnnConfig::init_mlp }, &data, &xplan)?
            } else {
                compare(&TextNet { config: model_cfg.clone(), init: TextCnnConfig::init_linear }, &data, &xplan)?
            };
            (e, empty, 0, Some(tfidf))
        }
    };
    let first = TextSummary {
        corpus: plan.corpus,
        model: plan.model,
        classes: corpus.classes.clone(),
        n_train: fit.len(),
        n_test: test.len(),
        n_threshold: 0,
        vocab_size: tok.vocab_size(),
        empty_documents: empty,
        truncated_documents: truncated,
        tokenizer_seconds: tok_seconds,
        warnings: Vec::new(),
        runs: Vec::new(),
    };
    let per_run = started.elapsed().as_secs_f64() / experiment.runs.len().max(1) as f64;
    let mut rows = Vec::new();
    for run in &experiment.runs {
        let loss = run.config.train.loss;
        tok.save(&run.dir.join("tokenizer.json"))?;
        let info = TextRunInfo {
            model: model_cfg.clone(),
            loss,
            corpus: plan.corpus.name().into(),
            classes: corpus.classes.clone(),
            multi_label: false,
            thresholds: None,
            tfidf: tfidf.clone(),
        };
        artifacts::write_json(&run.dir.join("text.json"), &info)?;
        let f = run.figures();
        rows.push(RunRow {
            config: loss,
            seed: run.config.train.seed,
            fold: 0,
            dir: run.dir.clone(),
            accuracy: Some(f.accuracy),
            keras2_reported: f.keras2,
            keras3_reported: f.keras3,
            macro_f1: f.macro_f1,
            multilabel: None,
            multilabel_tuned: None,
            seconds: per_run,
        });
    }
    Ok((rows, first))
}

