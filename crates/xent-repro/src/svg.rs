//! Small hand-written SVG charts for the repro report (no plotting dependency): grouped bars and
//! per-run dots, whose values are fractions shown as percentages on a fixed y range, and
//! reliability diagrams with their samples per bin.

const W: f64 = 760.0;
const H: f64 = 380.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 70.0;
const COLORS: [&str; 4] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn frame(title: &str, y: (f64, f64), out: &mut String) -> impl Fn(f64) -> f64 + use<> {
    let (lo, hi) = y;
    out.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">{}</text>\n",
        W / 2.0,
        esc(title)
    ));
    let ph = H - TOP - BOTTOM;
    let yof = move |v: f64| TOP + ph * (1.0 - ((v - lo) / (hi - lo)).clamp(0.0, 1.0));
    for i in 0..=5 {
        let v = lo + (hi - lo) * f64::from(i) / 5.0;
        let yy = yof(v);
        out.push_str(&format!(
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#ddd\"/>\n\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{:.1} %</text>\n",
            W - RIGHT,
            LEFT - 6.0,
            yy + 4.0,
            100.0 * v
        ));
    }
    out.push_str(&format!("<line x1=\"{LEFT}\" x2=\"{LEFT}\" y1=\"{TOP}\" y2=\"{}\" stroke=\"black\"/>\n", H - BOTTOM));
    yof
}

/// An x-axis label, split before " (" onto a second line so long names do not overlap.
fn xlabel(x: f64, label: &str) -> String {
    let (a, b) = match label.find(" (") {
        Some(i) => (&label[..i], &label[i + 1..]),
        None => (label, ""),
    };
    format!(
        "<text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\">{}<tspan x=\"{x:.1}\" dy=\"15\">{}</tspan></text>\n",
        H - BOTTOM + 18.0,
        esc(a),
        esc(b)
    )
}

fn legend(names: &[&str], out: &mut String) {
    for (i, n) in names.iter().enumerate() {
        let x = LEFT + 10.0 + 190.0 * i as f64;
        out.push_str(&format!(
            "<rect x=\"{x}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"{}\">{}</text>\n",
            H - 22.0,
            COLORS[i % COLORS.len()],
            x + 16.0,
            H - 12.0,
            esc(n)
        ));
    }
}

/// Grouped bars: one group per `(label, values)`, one bar per series, y range `y` (fractions).
pub fn grouped_bars(title: &str, groups: &[(String, Vec<f64>)], series: &[&str], y: (f64, f64)) -> String {
    let mut s = String::new();
    let yof = frame(title, y, &mut s);
    let gw = (W - LEFT - RIGHT) / groups.len().max(1) as f64;
    let bw = gw * 0.8 / series.len().max(1) as f64;
    for (g, (label, vals)) in groups.iter().enumerate() {
        let x0 = LEFT + gw * g as f64 + gw * 0.1;
        for (i, &v) in vals.iter().enumerate() {
            let (top, base) = (yof(v), yof(y.0));
            s.push_str(&format!(
                "<rect x=\"{:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{} {}: {:.2} %</title></rect>\n",
                x0 + bw * i as f64,
                bw - 2.0,
                (base - top).max(0.0),
                COLORS[i % COLORS.len()],
                esc(label),
                esc(series.get(i).copied().unwrap_or("")),
                100.0 * v
            ));
        }
        s.push_str(&xlabel(x0 + gw * 0.4, label));
    }
    legend(series, &mut s);
    s.push_str("</svg>\n");
    s
}

/// One column of dots per `(label, values)` (e.g. one dot per run), with the mean as a bar and
/// an optional dashed reference line `(value, label)`.
pub fn dots(title: &str, columns: &[(String, Vec<f64>)], y: (f64, f64), reference: Option<(f64, &str)>) -> String {
    let mut s = String::new();
    let yof = frame(title, y, &mut s);
    if let Some((v, label)) = reference {
        let yy = yof(v);
        s.push_str(&format!(
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#888\" stroke-dasharray=\"6 4\"/>\n\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#555\">{}</text>\n",
            W - RIGHT,
            W - RIGHT - 4.0,
            yy - 5.0,
            esc(label)
        ));
    }
    let cw = (W - LEFT - RIGHT) / columns.len().max(1) as f64;
    for (c, (label, vals)) in columns.iter().enumerate() {
        let xc = LEFT + cw * (c as f64 + 0.5);
        for (i, &v) in vals.iter().enumerate() {
            let jitter = (i as f64 - vals.len() as f64 / 2.0) * 3.0;
            s.push_str(&format!(
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"{}\" fill-opacity=\"0.7\"><title>{:.2} %</title></circle>\n",
                xc + jitter,
                yof(v),
                COLORS[c % COLORS.len()],
                100.0 * v
            ));
        }
        if !vals.is_empty() {
            let m = vals.iter().sum::<f64>() / vals.len() as f64;
            s.push_str(&format!(
                "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"black\" stroke-width=\"2\"/>\n",
                xc - cw * 0.25,
                xc + cw * 0.25,
                yof(m),
                yof(m)
            ));
        }
        s.push_str(&xlabel(xc, label));
    }
    s.push_str("</svg>\n");
    s
}

/// A y range that holds every value with a margin, snapped to whole percent.
pub fn range_of(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.into_iter().filter(|v| v.is_finite()).fold((1.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    if lo > hi {
        return (0.0, 1.0);
    }
    let lo = ((lo - 0.02) * 100.0).floor() / 100.0;
    let hi = ((hi + 0.01) * 100.0).ceil() / 100.0;
    (lo.max(0.0), hi.min(1.0))
}

/// One panel of [`reliability`]: curves over the same bins (e.g. before and after post-hoc
/// scaling), each `(legend name, table)`.
#[derive(Debug, Clone)]
pub struct ReliabilityPanel<'a> {
    /// Panel heading.
    pub title: String,
    /// The curves, coloured in the order of the other charts (blue, orange, green, red).
    pub curves: Vec<(String, &'a crate::reliability::Reliability)>,
}

/// Reliability diagrams side by side: per non-empty bin, accuracy against mean confidence for
/// every curve, the diagonal of perfect calibration, and below each panel the samples per bin (a
/// log-scale bar per curve, labelled with the count). The x axis starts at the lowest filled bin
/// (with K classes the confidence is at least 1/K); the y axis is 0–1.
pub fn reliability(title: &str, panels: &[ReliabilityPanel<'_>]) -> String {
    const PANEL_W: f64 = 460.0;
    const PLOT_L: f64 = 64.0;
    const PLOT_W: f64 = 360.0;
    const PLOT_T: f64 = 96.0;
    const PLOT_H: f64 = 300.0;
    const STRIP_T: f64 = PLOT_T + PLOT_H + 66.0;
    const STRIP_H: f64 = 56.0;
    const LABEL_H: f64 = 44.0;
    let width = PANEL_W * panels.len().max(1) as f64 + 20.0;
    let height = STRIP_T + STRIP_H + LABEL_H + 30.0;
    let filled = || panels.iter().flat_map(|p| p.curves.iter().flat_map(|c| c.1.filled()));
    let x_lo = (filled().map(|b| b.lo).fold(1.0f64, f64::min) * 10.0).floor() / 10.0;
    let x_lo = if x_lo >= 1.0 { 0.0 } else { x_lo };
    let max_count = filled().map(|b| b.count).fold(1.0f64, f64::max);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{:.1}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">{}</text>\n",
        width / 2.0,
        esc(title)
    );
    // Legend: the curves of the first panel and the diagonal.
    let names: Vec<&str> = panels.first().map(|p| p.curves.iter().map(|c| c.0.as_str()).collect()).unwrap_or_default();
    let mut lx = 20.0;
    for (i, n) in names.iter().chain(std::iter::once(&"perfect calibration")).enumerate() {
        let (color, dash) = if i < names.len() { (COLORS[i % COLORS.len()], "") } else { ("#888", " stroke-dasharray=\"6 4\"") };
        s.push_str(&format!(
            "<line x1=\"{lx}\" x2=\"{}\" y1=\"46\" y2=\"46\" stroke=\"{color}\" stroke-width=\"2\"{dash}/><text x=\"{}\" y=\"50\">{}</text>\n",
            lx + 24.0,
            lx + 30.0,
            esc(n)
        ));
        lx += 36.0 + 7.0 * n.chars().count() as f64;
    }
    for (pi, panel) in panels.iter().enumerate() {
        let ox = 10.0 + PANEL_W * pi as f64 + PLOT_L;
        let xof = |v: f64| ox + PLOT_W * ((v - x_lo) / (1.0 - x_lo)).clamp(0.0, 1.0);
        let yof = |v: f64| PLOT_T + PLOT_H * (1.0 - v.clamp(0.0, 1.0));
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" font-size=\"13\">{}</text>\n",
            ox + PLOT_W / 2.0,
            PLOT_T - 12.0,
            esc(&panel.title)
        ));
        for i in 0..=5 {
            let v = f64::from(i) / 5.0;
            s.push_str(&format!(
                "<line x1=\"{ox:.1}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{v:.1}</text>\n",
                ox + PLOT_W,
                ox - 6.0,
                yof(v) + 4.0,
                y = yof(v)
            ));
        }
        let ticks = ((1.0 - x_lo) * 10.0).round() as usize;
        for i in 0..=ticks {
            let v = x_lo + i as f64 / 10.0;
            s.push_str(&format!(
                "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{PLOT_T}\" y2=\"{:.1}\" stroke=\"#eee\"/>\
                 <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{v:.1}</text>\n",
                PLOT_T + PLOT_H,
                PLOT_T + PLOT_H + 16.0,
                x = xof(v)
            ));
        }
        s.push_str(&format!(
            "<rect x=\"{ox:.1}\" y=\"{PLOT_T}\" width=\"{PLOT_W}\" height=\"{PLOT_H}\" fill=\"none\" stroke=\"black\"/>\n\
             <line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#888\" stroke-dasharray=\"6 4\"/>\n\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">mean confidence in bin (15 equal-width bins)</text>\n\
             <text transform=\"translate({:.1},{:.1}) rotate(-90)\" text-anchor=\"middle\">accuracy in bin</text>\n",
            xof(x_lo),
            yof(x_lo),
            xof(1.0),
            yof(1.0),
            ox + PLOT_W / 2.0,
            PLOT_T + PLOT_H + 34.0,
            ox - 40.0,
            PLOT_T + PLOT_H / 2.0
        ));
        for (ci, (name, table)) in panel.curves.iter().enumerate() {
            let color = COLORS[ci % COLORS.len()];
            let points: Vec<String> =
                table.filled().map(|b| format!("{:.1},{:.1}", xof(b.confidence), yof(b.accuracy))).collect();
            s.push_str(&format!(
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" stroke-opacity=\"0.8\"/>\n",
                points.join(" ")
            ));
            for b in table.filled() {
                s.push_str(&format!(
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{color}\"><title>{}: bin ({:.3}, {:.3}], {:.0} samples, confidence {:.4}, accuracy {:.4}</title></circle>\n",
                    xof(b.confidence),
                    yof(b.accuracy),
                    esc(name),
                    b.lo,
                    b.hi,
                    b.count,
                    b.confidence,
                    b.accuracy
                ));
            }
        }
        // Samples per bin: one log-scale bar per curve inside the bin's x range, count on top.
        let base = STRIP_T + LABEL_H + STRIP_H;
        s.push_str(&format!(
            "<text x=\"{ox:.1}\" y=\"{:.1}\">samples per bin (bar height on a log scale)</text>\n\
             <line x1=\"{ox:.1}\" x2=\"{:.1}\" y1=\"{base:.1}\" y2=\"{base:.1}\" stroke=\"black\"/>\n",
            STRIP_T - 8.0,
            ox + PLOT_W
        ));
        let n = panel.curves.len().max(1) as f64;
        for (ci, (_, table)) in panel.curves.iter().enumerate() {
            let color = COLORS[ci % COLORS.len()];
            for b in table.filled() {
                let (x0, x1) = (xof(b.lo), xof(b.hi));
                let bw = (x1 - x0 - 4.0) / n;
                let x = x0 + 2.0 + bw * ci as f64;
                let h = (STRIP_H * (b.count + 1.0).log10() / (max_count + 1.0).log10()).max(1.0);
                s.push_str(&format!(
                    "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{color}\" fill-opacity=\"0.75\"/>\
                     <text transform=\"translate({:.1},{:.1}) rotate(-90)\" font-size=\"9\" fill=\"{color}\">{:.0}</text>\n",
                    base - h,
                    (bw - 1.0).max(1.0),
                    x + bw / 2.0 + 3.0,
                    base - h - 3.0,
                    b.count
                ));
            }
        }
    }
    s.push_str("</svg>\n");
    s
}
