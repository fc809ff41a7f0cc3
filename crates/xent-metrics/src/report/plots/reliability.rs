//! Reliability diagrams: calibration panels of one table each ([`reliability`]), and curves of
//! several tables per panel with the samples per bin ([`reliability_curves`]).

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{FONT, Mark, color, legend_row, perr, svg, titled};
use crate::error::{Error, Result};
use crate::metrics::ReliabilityBin;

/// One panel of a reliability diagram.
#[derive(Debug, Clone)]
pub struct ReliabilityPanel {
    /// Panel caption (e.g. `categorical, before (T = 1)`).
    pub caption: String,
    /// The bins.
    pub bins: Vec<ReliabilityBin>,
    /// ECE, printed in the panel.
    pub ece: f64,
}

/// Reliability diagrams in a grid with `cols` columns: per bin, the accuracy (bars) against the
/// mean confidence, with the diagonal of perfect calibration.
///
/// # Errors
/// No panel; drawing or writing fails.
pub fn reliability(path: &Path, title: &str, panels: &[ReliabilityPanel], cols: usize) -> Result<()> {
    if panels.is_empty() {
        return Err(Error::InvalidArgument(format!("{}: no reliability data to draw", path.display())));
    }
    let cols = cols.clamp(1, panels.len());
    let rows = panels.len().div_ceil(cols);
    svg(path, (460 * cols as u32, 70 + 420 * rows as u32), |root| {
        let e = perr(path);
        let area = titled(path, root, title)?;
        let (top, area) = area.split_vertically(30);
        legend_row(
            path,
            &top,
            12,
            &[
                ("accuracy in bin", color(0), Mark::Square),
                ("perfect calibration", RGBColor(100, 100, 100), Mark::Line),
                ("(mean confidence, accuracy); size ∝ √share", color(1), Mark::Dot),
            ],
        )?;
        let cells = area.split_evenly((rows, cols));
        for (p, cell) in panels.iter().zip(cells.iter()) {
            let mut chart = ChartBuilder::on(cell)
                .caption(format!("{}, ECE = {:.2} %", p.caption, 100.0 * p.ece), (FONT, 15))
                .margin(12)
                .x_label_area_size(42)
                .y_label_area_size(58)
                .build_cartesian_2d(0.0..1.0, 0.0..1.0)
                .map_err(&e)?;
            chart
                .configure_mesh()
                .x_desc("confidence")
                .y_desc("accuracy")
                .x_labels(6)
                .y_labels(6)
                .x_label_formatter(&|v| format!("{v:.1}"))
                .y_label_formatter(&|v| format!("{v:.1}"))
                .label_style((FONT, 12))
                .axis_desc_style((FONT, 13))
                .light_line_style(WHITE.mix(0.0))
                .draw()
                .map_err(&e)?;
            let total: f64 = p.bins.iter().map(|b| b.count).sum();
            chart
                .draw_series(p.bins.iter().filter(|b| b.count > 0.0).map(|b| {
                    Rectangle::new([(b.lo, 0.0), (b.hi, b.accuracy)], color(0).mix(0.75).filled())
                }))
                .map_err(&e)?;
            chart
                .draw_series(p.bins.iter().filter(|b| b.count > 0.0).map(|b| {
                    Rectangle::new([(b.lo, 0.0), (b.hi, b.accuracy)], BLACK.mix(0.5).stroke_width(1))
                }))
                .map_err(&e)?;
            chart
                .draw_series(LineSeries::new([(0.0, 0.0), (1.0, 1.0)], BLACK.mix(0.6).stroke_width(1)))
                .map_err(&e)?;
            chart
                .draw_series(
                    p.bins
                        .iter()
                        .filter(|b| b.count > 0.0)
                        .map(|b| Circle::new((b.confidence, b.accuracy), (2.0 + 6.0 * (b.count / total.max(1.0)).sqrt()) as i32, color(1).filled())),
                )
                .map_err(&e)?;
        }
        Ok(())
    })
}

/// One panel of [`reliability_curves`]: several reliability tables over the same bins.
#[derive(Debug, Clone)]
pub struct ReliabilityCurves {
    /// Panel heading.
    pub title: String,
    /// `(legend label, bins)` per curve, coloured in the order of the other charts.
    pub curves: Vec<(String, Vec<ReliabilityBin>)>,
}

/// Reliability curves side by side, one panel per [`ReliabilityCurves`]: per non-empty bin, the
/// accuracy against the mean confidence for every curve (a dot per bin), the diagonal of perfect
/// calibration, and below each panel the samples per bin (a bar per curve on a log scale,
/// labelled with the count). The x axis starts at the lowest filled bin rounded down to a tenth
/// (with K classes the confidence is at least 1/K).
///
/// # Errors
/// No panel; drawing or writing fails.
pub fn reliability_curves(path: &Path, title: &str, panels: &[ReliabilityCurves]) -> Result<()> {
    if panels.is_empty() {
        return Err(Error::InvalidArgument(format!("{}: no reliability data to draw", path.display())));
    }
    let filled = || panels.iter().flat_map(|p| p.curves.iter().flat_map(|c| c.1.iter().filter(|b| b.count > 0.0)));
    let x_lo = (filled().map(|b| b.lo).fold(1.0f64, f64::min) * 10.0).floor() / 10.0;
    let x_lo = if x_lo >= 1.0 { 0.0 } else { x_lo };
    let max_count = filled().map(|b| b.count).fold(1.0f64, f64::max);
    svg(path, (480 * panels.len() as u32, 640), |root| {
        let e = perr(path);
        let area = titled(path, root, title)?;
        let (top, area) = area.split_vertically(34);
        let grey = RGBColor(120, 120, 120);
        let mut items: Vec<(&str, RGBColor, Mark)> =
            panels[0].curves.iter().enumerate().map(|(i, c)| (c.0.as_str(), color(i), Mark::Line)).collect();
        items.push(("perfect calibration", grey, Mark::Line));
        legend_row(path, &top, 14, &items)?;
        for (p, cell) in panels.iter().zip(area.split_evenly((1, panels.len())).iter()) {
            let (plot, strip) = cell.split_vertically(cell.dim_in_pixel().1 * 3 / 4);
            let mut chart = ChartBuilder::on(&plot)
                .caption(&p.title, (FONT, 14))
                .margin(12)
                .x_label_area_size(42)
                .y_label_area_size(56)
                .build_cartesian_2d(x_lo..1.0, 0.0..1.0)
                .map_err(&e)?;
            chart
                .configure_mesh()
                .x_desc("mean confidence in bin (15 equal-width bins)")
                .y_desc("accuracy in bin")
                .x_label_formatter(&|v| format!("{v:.1}"))
                .y_label_formatter(&|v| format!("{v:.1}"))
                .label_style((FONT, 12))
                .axis_desc_style((FONT, 13))
                .draw()
                .map_err(&e)?;
            chart.draw_series(DashedLineSeries::new([(x_lo, x_lo), (1.0, 1.0)], 6, 4, grey.stroke_width(1))).map_err(&e)?;
            for (ci, (_, bins)) in p.curves.iter().enumerate() {
                let c = color(ci);
                let points: Vec<(f64, f64)> = bins.iter().filter(|b| b.count > 0.0).map(|b| (b.confidence, b.accuracy)).collect();
                chart.draw_series(LineSeries::new(points.iter().copied(), c.mix(0.8).stroke_width(2))).map_err(&e)?;
                chart.draw_series(points.into_iter().map(|pt| Circle::new(pt, 4, c.filled()))).map_err(&e)?;
            }
            let mut counts = ChartBuilder::on(&strip)
                .caption("samples per bin (log scale)", (FONT, 13))
                .margin(12)
                .margin_top(4)
                .x_label_area_size(10)
                .y_label_area_size(56)
                .build_cartesian_2d(x_lo..1.0, (1.0..max_count * 40.0 + 1.0).log_scale())
                .map_err(&e)?;
            counts.configure_mesh().disable_mesh().x_labels(0).y_labels(0).y_label_formatter(&|_| String::new()).draw().map_err(&e)?;
            let n = p.curves.len().max(1) as f64;
            for (ci, (_, bins)) in p.curves.iter().enumerate() {
                let c = color(ci);
                let bars: Vec<(f64, f64, f64)> = bins
                    .iter()
                    .filter(|b| b.count > 0.0)
                    .map(|b| {
                        let w = (b.hi - b.lo) / n;
                        (b.lo + w * ci as f64, b.lo + w * (ci as f64 + 0.9), b.count)
                    })
                    .collect();
                counts.draw_series(bars.iter().map(|&(x0, x1, k)| Rectangle::new([(x0, 1.0), (x1, k + 1.0)], c.mix(0.75).filled()))).map_err(&e)?;
                // Counts read upwards from the top of their bar, so neighbouring labels never overlap.
                let label = TextStyle::from((FONT, 10).into_font().transform(FontTransform::Rotate270)).color(&c).pos(Pos::new(HPos::Left, VPos::Center));
                counts
                    .draw_series(bars.iter().map(|&(x0, x1, k)| Text::new(format!("{k:.0}"), ((x0 + x1) / 2.0, (k + 1.0) * 1.15), label.clone())))
                    .map_err(&e)?;
            }
        }
        Ok(())
    })
}
