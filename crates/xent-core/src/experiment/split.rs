//! The data an experiment trains and measures on: [`Split`].

use crate::artifacts::DataInfo;

/// One data split of an experiment: the data every run of the plan trains and is measured on.
#[derive(Debug, Clone)]
pub struct Split<D> {
    /// Training samples.
    pub train: D,
    /// Validation samples: early stopping, and the temperature fit. `None` when the final model
    /// trains on every training sample for a fixed number of epochs (chosen by cross-validation
    /// beforehand): no early stopping then, and no temperature fit.
    pub valid: Option<D>,
    /// Test samples, measured once per run with the final weights. Without one, the headline
    /// figures and the calibration "after" figures are on the validation split (optimistic).
    pub test: Option<D>,
    /// The data's source and SHA-256 (recorded in every run; runs that disagree are never compared).
    pub data: DataInfo,
    /// Class names for tables and plots.
    pub class_names: Vec<String>,
}

impl<D> Split<D> {
    /// A split without test data or class names.
    pub fn new(train: D, valid: D, data: DataInfo) -> Self {
        Self { train, valid: Some(valid), test: None, data, class_names: Vec::new() }
    }

    /// A split without validation data: the runs train on all of `train` for the plan's epochs.
    pub fn without_validation(train: D, data: DataInfo) -> Self {
        Self { train, valid: None, test: None, data, class_names: Vec::new() }
    }

    /// Adds a test split.
    pub fn with_test(mut self, test: D) -> Self {
        self.test = Some(test);
        self
    }

    /// Names the classes.
    pub fn with_class_names(mut self, names: Vec<String>) -> Self {
        self.class_names = names;
        self
    }
}
