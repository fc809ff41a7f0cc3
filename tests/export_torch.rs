//! `xent export --format safetensors` against PyTorch, without Python: the carried trained ECG
//! CNN and residual-network runs (tests/golden/export_torch_run, export_torch_run_resnet) and four
//! tiny text runs (export_torch_text_question, _kim, _mlp, _linear) are exported, the files' tensor names and shapes are checked against the state dicts of the
//! equivalent torch.nn modules, and xent's logits against the logits PyTorch computed from the
//! exported files (tests/golden/export_torch.py → tests/golden/export_torch.json).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use xent_core::burn::prelude::*;
use xent_core::train::SavedRun;
use xent_core::{ModelConfig, RunDir};
use xent_ecg::Cnn1dConfig;
use xent_core::train::Classifier;
use xent_resnet::ResNet1dConfig;
use xent_text::ModelKind;
use xent_text::bow::Bag;
use xent_text::pipeline::TextRunInfo;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn xent(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xent")).args(args).current_dir(root()).output().expect("run xent")
}

fn golden() -> Value {
    serde_json::from_str(&std::fs::read_to_string(root().join("tests/golden/export_torch.json")).unwrap()).unwrap()
}

fn run_dir() -> PathBuf {
    root().join("tests/golden/export_torch_run/categorical/seed-0")
}

/// xent's logits of the run in `case` (a case of export_torch.json) on the case's inputs.
fn xent_logits(name: &str, case: &Value) -> Vec<f32> {
    let run = root().join(case["run"].as_str().unwrap());
    let device = xent_core::default_device();
    if let Some(ids) = case.get("bag_ids") {
        // A bag-of-words run: distinct word ids and their weights in, the model from text.json.
        let info: TextRunInfo = serde_json::from_str(&std::fs::read_to_string(run.join("text.json")).unwrap()).unwrap();
        assert_eq!(serde_json::to_value(&info.model).unwrap(), case["model"]);
        let rows: Vec<Vec<i64>> = ids.as_array().unwrap().iter().map(|r| r.as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect()).collect();
        let weights: Vec<Vec<f32>> = case["bag_weights"].as_array().unwrap().iter().map(floats).collect();
        let (b, u) = (rows.len(), rows[0].len());
        let bag = Bag {
            ids: Tensor::<2, Int>::from_data(TensorData::new(rows.concat(), [b, u]), &device),
            weights: Tensor::<2>::from_data(TensorData::new(weights.concat(), [b, u]), &device),
        };
        let path = run.join("model.bpk");
        let logits = match (name, info.model.kind) {
            ("mlp", ModelKind::Mlp) => info.model.init_mlp(&device).load_file(&path).forward(&bag),
            ("linear", ModelKind::Linear) => info.model.init_linear(&device).load_file(&path).forward(&bag),
            other => panic!("no bag-of-words network {other:?}"),
        };
        assert_eq!(logits.dims(), [b, info.model.num_classes]);
        return logits.into_data().try_to_vec::<f32>().unwrap();
    }
    if let Some(ids) = case.get("ids") {
        // A text run: token ids in, the model from text.json.
        let info: TextRunInfo = serde_json::from_str(&std::fs::read_to_string(run.join("text.json")).unwrap()).unwrap();
        assert_eq!(serde_json::to_value(&info.model).unwrap(), case["model"]);
        let rows: Vec<Vec<i64>> = ids.as_array().unwrap().iter().map(|r| r.as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect()).collect();
        let ids = Tensor::<2, Int>::from_data(TensorData::new(rows.concat(), [rows.len(), rows[0].len()]), &device);
        let weights = run.join("model.bpk");
        let logits = match (name, info.model.kind) {
            ("question", ModelKind::Question) => info.model.init_question(&device).load_file(&weights).forward(&ids),
            ("kim", ModelKind::Kim) => info.model.init_kim(&device).load_file(&weights).forward(&ids),
            other => panic!("no text network {other:?}"),
        };
        assert_eq!(logits.dims(), [rows.len(), info.model.num_classes]);
        return logits.into_data().try_to_vec::<f32>().unwrap();
    }
    let saved = SavedRun::open(RunDir::at(run)).unwrap();
    let dims = shape(&case["signals_shape"]);
    let signals = Tensor::<3>::from_data(TensorData::new(floats(&case["signals"]), [dims[0], dims[1], dims[2]]), &device);
    let rr_rows: Vec<Vec<f32>> = case["rr"].as_array().unwrap().iter().map(floats).collect();
    let rr = Tensor::<2>::from_data(TensorData::new(rr_rows.concat(), [rr_rows.len(), rr_rows[0].len()]), &device);
    let outputs = saved.config.num_outputs;
    let logits = match name {
        "cnn" | "cnn-plain" => {
            let config: Cnn1dConfig = serde_json::from_value(saved.config.model.clone()).unwrap();
            assert_eq!(serde_json::to_value(&config).unwrap(), case["model"]);
            saved.load_model(ModelConfig::init(&config, outputs, &device)).unwrap().forward(signals, rr)
        }
        "resnet" | "resnet-deep" => {
            let config: ResNet1dConfig = serde_json::from_value(saved.config.model.clone()).unwrap();
            assert_eq!(serde_json::to_value(&config).unwrap(), case["model"]);
            saved.load_model(ModelConfig::init(&config, outputs, &device)).unwrap().forward(signals, rr)
        }
        other => panic!("no network {other}"),
    };
    assert_eq!(logits.dims(), [dims[0], outputs]);
    logits.into_data().try_to_vec::<f32>().unwrap()
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect()
}

fn shape(v: &Value) -> Vec<usize> {
    v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect()
}

/// A tensor as a safetensors header lists it.
struct Stored {
    name: String,
    dtype: String,
    shape: Vec<usize>,
    /// Bytes of data.
    len: usize,
}

/// The tensors of a safetensors file in the file's order, from its header (8-byte
/// little-endian length, then JSON), checked against the file size.
fn safetensors_header(path: &Path) -> Vec<Stored> {
    let bytes = std::fs::read(path).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Map<String, Value> = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    let mut tensors: Vec<(usize, Stored)> = header
        .iter()
        .filter(|(name, _)| *name != "__metadata__")
        .map(|(name, t)| {
            let offsets = shape(&t["data_offsets"]);
            let stored = Stored {
                name: name.clone(),
                dtype: t["dtype"].as_str().unwrap().to_owned(),
                shape: shape(&t["shape"]),
                len: offsets[1] - offsets[0],
            };
            (offsets[0], stored)
        })
        .collect();
    tensors.sort_by_key(|(start, _)| *start);
    let data: usize = tensors.iter().map(|(_, t)| t.len).sum();
    assert_eq!(8 + n + data, bytes.len(), "the tensors fill the file after the header");
    tensors.into_iter().map(|(_, t)| t).collect()
}

#[test]
fn exported_networks_have_the_torch_state_dicts_and_torch_computes_xents_logits() {
    let g = golden();
    let cases = g["cases"].as_object().unwrap();
    for name in ["cnn", "resnet", "question", "kim", "mlp", "linear"] {
        assert!(cases.contains_key(name), "{name}: {:?}", cases.keys());
    }
    let tmp = tempfile::tempdir().unwrap();
    for (name, case) in cases {
        let out = tmp.path().join(format!("nested/{name}.safetensors"));
        let run = root().join(case["run"].as_str().unwrap());
        let o = xent(&["export", run.to_str().unwrap(), "--format", "safetensors", "--out", out.to_str().unwrap()]);
        assert!(o.status.success(), "{name}: {}", String::from_utf8_lossy(&o.stderr));

        // Names and shapes: exactly the torch module's state dict (PyTorch adds num_batches_tracked).
        let tensors = safetensors_header(&out);
        let expected: Vec<(String, Vec<usize>)> = case["state_dict"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["name"].as_str().unwrap().to_owned(), shape(&t["shape"])))
            .collect();
        let mut got: Vec<(String, Vec<usize>)> = tensors.iter().map(|t| (t.name.clone(), t.shape.clone())).collect();
        let mut want = expected.clone();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{name}");
        for t in &tensors {
            assert_eq!(t.dtype, "F32", "{name}: {}", t.name);
            assert_eq!(t.len, 4 * t.shape.iter().product::<usize>(), "{name}: {}", t.name);
        }
        // The stdout lists them too.
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(stdout.contains(&format!("{} tensors", expected.len())), "{stdout}");

        // xent's logits on the same beats, from the run's own weights.
        let ours = xent_logits(name, case);
        let torch: Vec<f32> = case["logits"].as_array().unwrap().iter().flat_map(floats).collect();
        assert_eq!(ours.len(), torch.len(), "{name}");
        let max_diff = ours.iter().zip(&torch).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        println!("{name}: max |xent − torch| over {} logits: {max_diff:e}", ours.len());
        assert!(max_diff <= 1e-5, "{name}: max |xent − torch| = {max_diff}");
        // The inputs are not all alike: the logits the comparison rests on differ between them.
        let k = case["num_outputs"].as_u64().unwrap() as usize;
        assert!(torch.chunks(k).any(|row| row.iter().zip(&torch[..k]).any(|(a, b)| (a - b).abs() > 0.1)), "{name}");
    }
    // Linear weights are PyTorch's [out, in]: the CNN's fc1 takes 2 × 64 pooled features + 16 RR
    // units; batch norm keeps its running statistics.
    let cnn = cases["cnn"]["state_dict"].as_array().unwrap();
    let has = |name: &str, shape: &[u64]| cnn.iter().any(|t| t["name"] == name && t["shape"] == Value::from(shape.to_vec()));
    assert!(has("fc1.weight", &[64, 144]));
    assert!(has("blocks.0.norm.running_var", &[16]));
}

#[test]
fn runs_of_unknown_networks_are_refused_with_exit_code_2() {
    let tmp = tempfile::tempdir().unwrap();
    // An ECG experiment of a network xent export does not know (a newer xent's, say); the
    // refusal comes before any weights are read.
    let exp = tmp.path().join("ecg");
    let run = exp.join("categorical/seed-0");
    std::fs::create_dir_all(&run).unwrap();
    let mut side: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("tests/golden/export_torch_run/ecg-data.json")).unwrap()).unwrap();
    side["model"] = Value::from("an-unknown-network");
    std::fs::write(exp.join("ecg-data.json"), side.to_string()).unwrap();
    let o = xent(&["export", run.to_str().unwrap(), "--format", "safetensors"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("ECG model `an-unknown-network`"), "{err}");
    assert!(!run.join("model.safetensors").exists());

    // A text run of a network this xent does not know: its text.json does not parse.
    let text = tmp.path().join("text-run");
    std::fs::create_dir_all(&text).unwrap();
    let mut info: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("tests/golden/export_torch_text_kim/text.json")).unwrap()).unwrap();
    info["model"]["kind"] = Value::from("an-unknown-network");
    std::fs::write(text.join("text.json"), info.to_string()).unwrap();
    let o = xent(&["export", text.to_str().unwrap(), "--format", "safetensors"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("text.json"), "{}", String::from_utf8_lossy(&o.stderr));

    // A run of `xent repro`'s MNIST CNN (a run directory without an ECG sidecar or text.json).
    let repro = tmp.path().join("repro/mnist/categorical-adam");
    std::fs::create_dir_all(&repro).unwrap();
    let mut config: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("tests/golden/export_torch_run/categorical/seed-0/config.json")).unwrap()).unwrap();
    config["model"] = serde_json::json!({"filters1": 100, "filters2": 100, "hidden": 100, "dropout": 0.3, "classes": 10});
    std::fs::write(repro.join("config.json"), config.to_string()).unwrap();
    let o = xent(&["export", repro.to_str().unwrap(), "--format", "safetensors"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("MNIST CNN of `xent repro`"), "{}", String::from_utf8_lossy(&o.stderr));

    // Not a run at all, and an unknown format.
    let o = xent(&["export", tmp.path().to_str().unwrap(), "--format", "safetensors"]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    let o = xent(&["export", run_dir().to_str().unwrap(), "--format", "onnx"]);
    assert_eq!(o.status.code(), Some(2));
}
