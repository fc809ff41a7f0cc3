//! Two small hand-written SVG charts for the repro report (no plotting dependency): grouped bars
//! and per-run dots. Values are fractions shown as percentages on a fixed y range.

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
