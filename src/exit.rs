//! Exit codes: 0 success (also when other processes finish an experiment this one shares), 2 bad usage or bad input (as clap's own usage errors), 1 a failure while
//! running on valid input. Library errors say whose fault they are ([`Fault`]); the command line's
//! own checks raise [`Usage`].

use std::process::ExitCode;

use xent_metrics::Fault;

/// An invalid combination or value of command-line arguments that clap cannot check itself.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Usage(pub String);

/// `Err(Usage(…))` from a format string, like `anyhow::bail!`.
#[macro_export]
macro_rules! usage {
    ($($arg:tt)*) => {
        return Err(anyhow::Error::new($crate::exit::Usage(format!($($arg)*))))
    };
}

/// Whose fault `err` is: the first cause in its chain that knows.
pub fn fault(err: &anyhow::Error) -> Fault {
    for cause in err.chain() {
        if cause.is::<Usage>() {
            return Fault::Input;
        }
        if let Some(e) = cause.downcast_ref::<xent_metrics::Error>() {
            return e.fault();
        }
        #[cfg(feature = "train")]
        if let Some(f) = engine_fault(cause) {
            return f;
        }
        if let Some(e) = cause.downcast_ref::<std::io::Error>() {
            return Fault::of_io(e);
        }
    }
    Fault::Runtime
}

#[cfg(feature = "train")]
fn engine_fault(cause: &(dyn std::error::Error + 'static)) -> Option<Fault> {
    if let Some(e) = cause.downcast_ref::<xent_core::Error>() {
        return Some(e.fault());
    }
    if let Some(e) = cause.downcast_ref::<xent_ecg::EcgError>() {
        return Some(e.fault());
    }
    if let Some(e) = cause.downcast_ref::<xent_text::TextError>() {
        return Some(e.fault());
    }
    if let Some(e) = cause.downcast_ref::<xent_repro::ReproError>() {
        return Some(e.fault());
    }
    None
}

/// The process's exit code for `err`.
pub fn code(err: &anyhow::Error) -> ExitCode {
    match fault(err) {
        Fault::Input => ExitCode::from(2),
        Fault::Runtime => ExitCode::from(1),
        Fault::Deferred => ExitCode::SUCCESS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    fn classify(err: anyhow::Error) -> Fault {
        fault(&err)
    }

    #[test]
    fn usage_and_bad_files_are_the_inputs_fault() {
        assert_eq!(classify(anyhow::Error::new(Usage("--seeds 0".into()))), Fault::Input);
        let missing = std::fs::read("/nonexistent/xent/pred.npy").context("reading predictions").unwrap_err();
        assert_eq!(classify(missing), Fault::Input);
        let parse = xent_metrics::Error::parse("p.csv", "line 3", "not a number");
        assert_eq!(classify(anyhow::Error::new(parse).context("scoring")), Fault::Input);
    }

    #[test]
    fn failures_on_valid_input_are_the_runs() {
        let full = std::io::Error::new(std::io::ErrorKind::StorageFull, "no space left on device");
        assert_eq!(classify(anyhow::Error::new(xent_metrics::Error::io("out/report.md", full))), Fault::Runtime);
        assert_eq!(classify(anyhow::anyhow!("something else")), Fault::Runtime);
    }

    #[cfg(feature = "train")]
    #[test]
    fn the_engine_says_whose_fault_its_errors_are() {
        let diverged = xent_core::Error::NonFiniteLoss { epoch: 2, batch: 7, batches: 9, loss: f32::NAN, kept: String::new() };
        let run = xent_core::Error::Run { tag: "[1/3] binary seed 0".into(), path: "runs/x".into(), source: Box::new(diverged) };
        assert_eq!(classify(anyhow::Error::new(xent_text::TextError::Core(run))), Fault::Runtime);
        let bad = xent_ecg::EcgError::invalid("record", "no such record");
        assert_eq!(classify(anyhow::Error::new(bad).context("loading")), Fault::Input);
    }
}
