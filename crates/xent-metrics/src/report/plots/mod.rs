//! SVG plots with `plotters`: learning curves, confusion matrix, reported-vs-true accuracy,
//! reliability diagram, per-seed dots. Every function takes plain data, writes one SVG file
//! atomically, and puts its title in a `<text>` element.

use std::path::Path;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::{Error, Result};

mod reliability;
pub use reliability::{ReliabilityCurves, ReliabilityPanel, reliability, reliability_curves};

/// Series colours (colour-blind-safe Tableau-like palette).
pub const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
];

const FONT: &str = "sans-serif";

fn color(i: usize) -> RGBColor {
    COLORS[i % COLORS.len()]
}

fn perr<E: std::fmt::Display>(path: &Path) -> impl Fn(E) -> Error + '_ {
    move |e| Error::Mismatch(format!("{}: drawing failed: {e}", path.display()))
}

/// Renders `draw` into an SVG string of `size`, then writes it atomically to `path`.
fn svg(path: &Path, size: (u32, u32), draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<()>) -> Result<()> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, size).into_drawing_area();
        root.fill(&WHITE).map_err(perr(path))?;
        draw(&root)?;
        root.present().map_err(perr(path))?;
    }
    crate::artifacts::write_atomic(path, buf.as_bytes())
}

/// Draws `title` centred at the top of `root` and returns the area below it.
fn titled<'a>(path: &Path, root: &DrawingArea<SVGBackend<'a>, Shift>, title: &str) -> Result<DrawingArea<SVGBackend<'a>, Shift>> {
    root.titled(title, (FONT, 22).into_font().style(FontStyle::Bold)).map_err(perr(path))
}

fn range_of(values: impl Iterator<Item = f64>, pad: f64, floor: Option<f64>, ceil: Option<f64>) -> (f64, f64) {
    let (mut lo, mut hi) = values.filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-9 {
        lo -= 0.05;
        hi += 0.05;
    }
    let span = hi - lo;
    lo -= pad * span;
    hi += pad * span;
    if let Some(f) = floor {
        lo = lo.max(f);
    }
    if let Some(c) = ceil {
        hi = hi.min(c);
    }
    (lo, hi)
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy)]
enum Mark {
    Square,
    Line,
    Dot,
    Ring,
}

/// A legend drawn as one centred row at pixel height `y` of `root` (outside every plotting
/// area, so it never hides data).
fn legend_row(path: &Path, root: &DrawingArea<SVGBackend, Shift>, y: i32, items: &[(&str, RGBColor, Mark)]) -> Result<()> {
    let e = perr(path);
    let style = TextStyle::from((FONT, 14).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    let widths: Vec<i32> = items
        .iter()
        .map(|(l, _, _)| root.estimate_text_size(l, &style).map(|(w, _)| w as i32).unwrap_or(8 * l.len() as i32))
        .collect();
    let total: i32 = widths.iter().map(|w| w + 40).sum();
    let (width, _) = root.dim_in_pixel();
    let mut x = (width as i32 - total) / 2;
    for ((label, c, mark), w) in items.iter().zip(widths) {
        match mark {
            Mark::Square => root.draw(&Rectangle::new([(x, y - 6), (x + 14, y + 6)], c.filled())).map_err(&e)?,
            Mark::Line => root.draw(&PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2))).map_err(&e)?,
            Mark::Dot => root.draw(&Circle::new((x + 7, y), 5, c.filled())).map_err(&e)?,
            Mark::Ring => root.draw(&Circle::new((x + 7, y), 5, c.stroke_width(2))).map_err(&e)?,
        }
        root.draw(&Text::new(label.to_string(), (x + 20, y), style.clone())).map_err(&e)?;
        x += w + 40;
    }
    Ok(())
}

/// One line of a learning-curve panel.
#[derive(Debug, Clone)]
pub struct Curve {
    /// Legend label.
    pub label: String,
    /// Colour index.
    pub color: usize,
    /// Dashed (e.g. validation loss, or the Keras-reported accuracy).
    pub dashed: bool,
    /// `(epoch, value)` points.
    pub points: Vec<(f64, f64)>,
}

fn curve_panel(path: &Path, area: &DrawingArea<SVGBackend, Shift>, caption: &str, y_desc: &str, curves: &[Curve], percent: bool) -> Result<()> {
    let e = perr(path);
    let max_epoch = curves.iter().flat_map(|c| c.points.iter().map(|p| p.0)).fold(1.0f64, f64::max);
    let (lo, hi) = range_of(curves.iter().flat_map(|c| c.points.iter().map(|p| p.1)), 0.08, Some(0.0), percent.then_some(1.0));
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 17))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(62)
        .build_cartesian_2d(if max_epoch > 1.0 { 1.0..max_epoch } else { 0.5..1.5 }, lo..hi)
        .map_err(&e)?;
    // Enough decimals that neighbouring percentage labels differ on a narrow range.
    let digits = match 100.0 * (hi - lo) {
        r if r < 2.0 => 2,
        r if r < 20.0 => 1,
        _ => 0,
    };
    let fmt_y = |v: &f64| if percent { format!("{:.*} %", digits, 100.0 * v) } else { format!("{v:.3}") };
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc(y_desc)
        .x_labels((max_epoch as usize).clamp(2, 10))
        .x_label_formatter(&|v| if (v - v.round()).abs() < 1e-6 { format!("{v:.0}") } else { String::new() })
        .y_label_formatter(&fmt_y)
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(&e)?;
    for c in curves {
        let style = color(c.color).stroke_width(2);
        let legend_style = style;
        let dashed = c.dashed;
        let anno = if dashed {
            chart.draw_series(DashedLineSeries::new(c.points.clone(), 6, 4, style)).map_err(&e)?
        } else {
            chart.draw_series(LineSeries::new(c.points.clone(), style)).map_err(&e)?
        };
        anno.label(c.label.clone()).legend(move |(x, y)| {
            if dashed {
                PathElement::new(vec![(x, y), (x + 7, y)], legend_style)
            } else {
                PathElement::new(vec![(x, y), (x + 20, y)], legend_style)
            }
        });
        chart
            .draw_series(c.points.iter().map(|&p| Circle::new(p, 3, color(c.color).filled())))
            .map_err(&e)?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font((FONT, 12))
        .position(if percent { SeriesLabelPosition::LowerRight } else { SeriesLabelPosition::UpperRight })
        .draw()
        .map_err(&e)?;
    Ok(())
}

/// Learning curves: loss (left) and true vs reported accuracy (right) per epoch; the accuracy is
/// that of the validation split, or of the training split for runs without one (`validated`).
///
/// # Errors
/// Drawing or writing fails.
pub fn learning_curves(path: &Path, title: &str, loss: &[Curve], accuracy: &[Curve], validated: bool) -> Result<()> {
    svg(path, (1200, 520), |root| {
        let area = titled(path, root, title)?;
        let panels = area.split_evenly((1, 2));
        let (loss_caption, acc_caption) = if validated {
            ("Loss (solid: training, dashed: validation)", "Validation accuracy (solid: true, dashed: Keras 2 reports)")
        } else {
            ("Training loss (no validation split)", "Training accuracy (solid: true, dashed: Keras 2 reports)")
        };
        curve_panel(path, &panels[0], loss_caption, "loss", loss, false)?;
        curve_panel(path, &panels[1], acc_caption, "accuracy", accuracy, true)
    })
}

fn heat_panel(path: &Path, root: &DrawingArea<SVGBackend, Shift>, area: &DrawingArea<SVGBackend, Shift>, caption: &str, m: &[Vec<f64>], names: &[String], normalised: bool) -> Result<()> {
    let e = perr(path);
    let k = m.len();
    let kf = k as f64;
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 17))
        .margin(14)
        .margin_left(20)
        .x_label_area_size(58)
        .y_label_area_size(90)
        .build_cartesian_2d(0.0..kf, 0.0..kf)
        .map_err(&e)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(0)
        .y_labels(0)
        .x_desc("predicted class")
        .y_desc("true class")
        .axis_desc_style((FONT, 14))
        .draw()
        .map_err(&e)?;
    let max = m.iter().flatten().fold(0.0f64, |a, &b| a.max(b)).max(1e-12);
    let totals: Vec<f64> = m.iter().map(|r| r.iter().sum()).collect();
    for (i, row) in m.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            let share = if normalised { if totals[i] > 0.0 { v / totals[i] } else { 0.0 } } else { v / max };
            let y = kf - 1.0 - i as f64;
            let fill = RGBColor(
                (255.0 - share * (255.0 - 31.0)) as u8,
                (255.0 - share * (255.0 - 119.0)) as u8,
                (255.0 - share * (255.0 - 180.0)) as u8,
            );
            chart
                .draw_series([Rectangle::new([(j as f64, y), (j as f64 + 1.0, y + 1.0)], fill.filled())])
                .map_err(&e)?;
            chart
                .draw_series([Rectangle::new([(j as f64, y), (j as f64 + 1.0, y + 1.0)], BLACK.mix(0.3).stroke_width(1))])
                .map_err(&e)?;
            let text = if normalised {
                format!("{:.1} %", 100.0 * share)
            } else if v.fract() == 0.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.1}")
            };
            let fg = if share > 0.55 { WHITE } else { BLACK };
            let size = if k > 8 { 10 } else { 15 };
            chart
                .draw_series([Text::new(
                    text,
                    (j as f64 + 0.5, y + 0.5),
                    (FONT, size).into_font().color(&fg).pos(Pos::new(HPos::Center, VPos::Center)),
                )])
                .map_err(&e)?;
        }
    }
    // Class names outside the plotting area, drawn on the root in pixels.
    let name = |c: usize| names.get(c).cloned().unwrap_or_else(|| c.to_string());
    let small = if k > 8 { 10 } else { 13 };
    for c in 0..k {
        let (px, py) = chart.backend_coord(&(c as f64 + 0.5, 0.0));
        root.draw(&Text::new(name(c), (px, py + 6), TextStyle::from((FONT, small).into_font()).pos(Pos::new(HPos::Center, VPos::Top))))
            .map_err(&e)?;
        let (px, py) = chart.backend_coord(&(0.0, kf - c as f64 - 0.5));
        root.draw(&Text::new(name(c), (px - 6, py), TextStyle::from((FONT, small).into_font()).pos(Pos::new(HPos::Right, VPos::Center))))
            .map_err(&e)?;
    }
    Ok(())
}

/// Confusion matrix heat maps: counts (left) and row-normalised (right; each row is the recall
/// split of its true class).
///
/// # Errors
/// An empty matrix; drawing or writing fails.
pub fn confusion(path: &Path, title: &str, m: &[Vec<f64>], names: &[String]) -> Result<()> {
    if m.is_empty() {
        return Err(Error::InvalidArgument(format!("{}: no confusion matrix to draw", path.display())));
    }
    svg(path, (1100, 560), |root| {
        let area = titled(path, root, title)?;
        let panels = area.split_evenly((1, 2));
        heat_panel(path, root, &panels[0], "Counts", m, names, false)?;
        heat_panel(path, root, &panels[1], "Row-normalised (share of each true class)", m, names, true)
    })
}

/// One configuration's bars: `(mean, optional 95 % CI)` for true, Keras-2- and Keras-3-reported
/// accuracy.
#[derive(Debug, Clone)]
pub struct AccuracyBars {
    /// Configuration name.
    pub name: String,
    /// True accuracy.
    pub true_acc: (f64, Option<(f64, f64)>),
    /// Keras-2-reported accuracy.
    pub keras2: (f64, Option<(f64, f64)>),
    /// Keras-3-reported accuracy.
    pub keras3: (f64, Option<(f64, f64)>),
}

/// The chart of [`accuracy_bars`] and [`seed_dots`]: `n` configurations at x = 0, 1, … (their
/// names drawn by the caller), accuracy on `lo..hi` labelled in per cent with `digits` decimals,
/// horizontal grid lines only, `caption` above.
fn accuracy_chart<'a, 'b>(
    path: &Path,
    area: &'a DrawingArea<SVGBackend<'b>, Shift>,
    caption: &str,
    n: f64,
    (lo, hi): (f64, f64),
    digits: usize,
) -> Result<ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>> {
    let e = perr(path);
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 15))
        .margin(14)
        .margin_top(44)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5..n - 0.5, lo..hi)
        .map_err(&e)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE.mix(0.0))
        .x_labels(0)
        .y_desc("accuracy")
        .y_label_formatter(&|v| format!("{:.*} %", digits, 100.0 * v))
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .draw()
        .map_err(&e)?;
    Ok(chart)
}

/// Grouped bars of true vs reported accuracy per configuration, with 95 % CI whiskers.
///
/// # Errors
/// Drawing or writing fails.
pub fn accuracy_bars(path: &Path, title: &str, bars: &[AccuracyBars]) -> Result<()> {
    svg(path, (1000, 560), |root| {
        let e = perr(path);
        let area = titled(path, root, title)?;
        let n = bars.len() as f64;
        let all = bars.iter().flat_map(|b| {
            [b.true_acc, b.keras2, b.keras3].into_iter().flat_map(|(m, ci)| [Some(m), ci.map(|c| c.0), ci.map(|c| c.1)]).flatten()
        });
        let (lo, hi) = range_of(all, 0.15, Some(0.0), Some(1.0));
        let lo = if lo < 0.25 { 0.0 } else { lo };
        // Ticks every half point on a narrow axis need a decimal, or neighbours print alike.
        let digits = if hi - lo < 0.1 { 1 } else { 0 };
        let caption = if bars.iter().any(|b| b.true_acc.1.is_some()) { "Mean over seeds; whiskers: 95 % CI of the mean" } else { "One run per configuration" };
        let mut chart = accuracy_chart(path, &area, caption, n, (lo, hi), digits)?;
        let kinds = ["true (argmax) accuracy", "Keras 2 reports", "Keras 3 reports"];
        let w = 0.26;
        for s in 0..kinds.len() {
            let c = color(s);
            let offset = (s as f64 - 1.0) * (w + 0.02);
            let pick = |b: &AccuracyBars| [b.true_acc, b.keras2, b.keras3][s];
            chart
                .draw_series(bars.iter().enumerate().map(|(i, b)| {
                    let x = i as f64 + offset;
                    Rectangle::new([(x - w / 2.0, lo), (x + w / 2.0, pick(b).0)], c.mix(0.85).filled())
                }))
                .map_err(&e)?;
            for (i, b) in bars.iter().enumerate() {
                let x = i as f64 + offset;
                let (m, ci) = pick(b);
                if let Some((l, h)) = ci {
                    let st = BLACK.stroke_width(2);
                    chart
                        .draw_series([
                            PathElement::new(vec![(x, l.max(lo)), (x, h.min(hi))], st),
                            PathElement::new(vec![(x - w / 5.0, l.max(lo)), (x + w / 5.0, l.max(lo))], st),
                            PathElement::new(vec![(x - w / 5.0, h.min(hi)), (x + w / 5.0, h.min(hi))], st),
                        ])
                        .map_err(&e)?;
                }
                let (px, py) = chart.backend_coord(&(x, ci.map_or(m, |c| c.1).min(hi)));
                root.draw(&Text::new(
                    format!("{:.1}", 100.0 * m),
                    (px, py - 4),
                    TextStyle::from((FONT, 12).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom)),
                ))
                .map_err(&e)?;
            }
        }
        for (i, b) in bars.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(i as f64, lo));
            root.draw(&Text::new(b.name.clone(), (px, py + 8), TextStyle::from((FONT, 15).into_font()).pos(Pos::new(HPos::Center, VPos::Top))))
                .map_err(&e)?;
        }
        let items: Vec<(&str, RGBColor, Mark)> = kinds.iter().enumerate().map(|(s, l)| (*l, color(s), Mark::Square)).collect();
        legend_row(path, root, 62, &items)
    })
}

/// One configuration's per-seed values for the dot plot.
#[derive(Debug, Clone)]
pub struct SeedDots {
    /// Configuration name.
    pub name: String,
    /// `(seed, true accuracy, Keras-2-reported accuracy)`.
    pub values: Vec<(u64, f64, f64)>,
}

/// Per-seed dot plot: every run's true accuracy (filled) and Keras-2-reported accuracy (open),
/// with the mean of each as a bar, and optionally a labelled reference level (a baseline) as a
/// dashed line.
///
/// # Errors
/// Drawing or writing fails.
pub fn seed_dots(path: &Path, title: &str, groups: &[SeedDots], reference: Option<(f64, &str)>) -> Result<()> {
    svg(path, (1000, 540), |root| {
        let e = perr(path);
        let area = titled(path, root, title)?;
        let n = groups.len() as f64;
        let values = groups.iter().flat_map(|g| g.values.iter().flat_map(|v| [v.1, v.2]));
        let (lo, hi) = range_of(values.chain(reference.map(|r| r.0)), 0.12, Some(0.0), Some(1.0));
        let mut chart = accuracy_chart(path, &area, "Each dot is one seed; horizontal bars are means", n, (lo, hi), 1)?;
        for (s, (label, filled)) in [("true (argmax) accuracy", true), ("Keras 2 reports", false)].into_iter().enumerate() {
            let c = color(s);
            let dx = if filled { -0.14 } else { 0.14 };
            let mut pts = Vec::new();
            for (i, g) in groups.iter().enumerate() {
                let m = g.values.len().max(1) as f64;
                for (j, v) in g.values.iter().enumerate() {
                    let jitter = (j as f64 - (m - 1.0) / 2.0) * 0.16 / m;
                    pts.push((i as f64 + dx + jitter, if filled { v.1 } else { v.2 }));
                }
                let mean = g.values.iter().map(|v| if filled { v.1 } else { v.2 }).sum::<f64>() / m;
                chart
                    .draw_series([PathElement::new(vec![(i as f64 + dx - 0.1, mean), (i as f64 + dx + 0.1, mean)], c.stroke_width(3))])
                    .map_err(&e)?;
            }
            let style = if filled { c.filled() } else { c.stroke_width(2) };
            chart.draw_series(pts.into_iter().map(move |p| Circle::new(p, 5, style))).map_err(&e)?;
            let _ = label;
        }
        if let Some((level, label)) = reference {
            let grey = RGBColor(90, 90, 90);
            chart.draw_series(DashedLineSeries::new([(-0.5, level), (n - 0.5, level)], 6, 4, grey.stroke_width(1))).map_err(&e)?;
            let (px, py) = chart.backend_coord(&(-0.45, level));
            root.draw(&Text::new(label.to_owned(), (px, py - 4), TextStyle::from((FONT, 13).into_font()).color(&grey).pos(Pos::new(HPos::Left, VPos::Bottom))))
                .map_err(&e)?;
        }
        for (i, g) in groups.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(i as f64, lo));
            root.draw(&Text::new(g.name.clone(), (px, py + 8), TextStyle::from((FONT, 15).into_font()).pos(Pos::new(HPos::Center, VPos::Top))))
                .map_err(&e)?;
        }
        legend_row(path, root, 62, &[("true (argmax) accuracy", color(0), Mark::Dot), ("Keras 2 reports", color(1), Mark::Ring)])
    })
}

/// One configuration's per-label points for [`label_f1`].
#[derive(Debug, Clone)]
pub struct LabelPoints {
    /// Configuration name (legend).
    pub name: String,
    /// `(training samples carrying the label, the label's F1 on test)`, one per label.
    pub points: Vec<(f64, f64)>,
}

/// Multi-label diagnosis: each label's F1 against how many training samples carry it (log
/// axis), one colour per configuration. Rare labels are where a multi-label model fails.
///
/// # Errors
/// Drawing or writing fails.
pub fn label_f1(path: &Path, title: &str, series: &[LabelPoints]) -> Result<()> {
    svg(path, (1000, 560), |root| {
        let e = perr(path);
        let area = titled(path, root, title)?;
        let hi = series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).fold(10.0f64, f64::max) * 1.5;
        let mut chart = ChartBuilder::on(&area)
            .caption("Each dot is one label", (FONT, 15))
            .margin(14)
            .margin_top(44)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d((0.8f64..hi).log_scale(), -0.02f64..1.02)
            .map_err(&e)?;
        chart
            .configure_mesh()
            .x_desc("training samples carrying the label (log scale)")
            .y_desc("F1 on test")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 14))
            .draw()
            .map_err(&e)?;
        let n = series.len().max(1) as f64;
        for (i, s) in series.iter().enumerate() {
            // A small horizontal shift per series keeps coinciding points of two series apart.
            let shift = 1.0 + 0.04 * (i as f64 - (n - 1.0) / 2.0);
            let c = color(i);
            let style = if i == 0 { c.filled() } else { c.stroke_width(2) };
            chart.draw_series(s.points.iter().map(|&(x, y)| Circle::new((x.max(1.0) * shift, y), 4, style))).map_err(&e)?;
        }
        let items: Vec<(&str, RGBColor, Mark)> =
            series.iter().enumerate().map(|(i, s)| (s.name.as_str(), color(i), if i == 0 { Mark::Dot } else { Mark::Ring })).collect();
        legend_row(path, root, 62, &items)
    })
}
