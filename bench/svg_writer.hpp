#ifndef HASHSKETCH_BENCH_SVG_WRITER_HPP
#define HASHSKETCH_BENCH_SVG_WRITER_HPP

// A tiny SVG 1.1 writer for the accuracy plots: lines, polylines clipped to a
// rectangle, rectangles and text. Just enough for line charts, so the
// harness needs no plotting dependency; the output opens in any browser and
// renders with rsvg-convert / Inkscape.

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace hashsketch_bench {

class svg_writer {
 public:
  svg_writer(double width, double height) : width_(width), height_(height) {}

  /// Stroke style: colour (any SVG colour), width in px, dash pattern ("" = solid).
  struct stroke {
    std::string colour = "#000";
    double width = 1.0;
    std::string dash;
  };

  /// Declares a clip rectangle usable by polyline(..., clip_id).
  void clip_rect(const std::string& id, double x, double y, double w, double h) {
    defs_ << "<clipPath id=\"" << escape(id) << "\"><rect x=\"" << num(x) << "\" y=\"" << num(y) << "\" width=\""
          << num(w) << "\" height=\"" << num(h) << "\"/></clipPath>\n";
  }

  void line(double x1, double y1, double x2, double y2, const stroke& s) {
    body_ << "<line x1=\"" << num(x1) << "\" y1=\"" << num(y1) << "\" x2=\"" << num(x2) << "\" y2=\"" << num(y2) << "\""
          << style(s) << "/>\n";
  }

  void rect(double x, double y, double w, double h, const std::string& fill, const stroke& s) {
    body_ << "<rect x=\"" << num(x) << "\" y=\"" << num(y) << "\" width=\"" << num(w) << "\" height=\"" << num(h)
          << "\" fill=\"" << escape(fill) << "\"" << style(s) << "/>\n";
  }

  /// An open polyline; points outside the clip rectangle are cut by the renderer.
  void polyline(const std::vector<std::pair<double, double>>& points, const stroke& s,
                const std::string& clip_id = "") {
    if (points.size() < 2) return;
    body_ << "<polyline fill=\"none\" stroke-linejoin=\"round\"";
    if (!clip_id.empty()) body_ << " clip-path=\"url(#" << escape(clip_id) << ")\"";
    body_ << style(s) << " points=\"";
    for (std::size_t i = 0; i < points.size(); ++i)
      body_ << (i ? " " : "") << num(points[i].first) << "," << num(points[i].second);
    body_ << "\"/>\n";
  }

  void circle(double x, double y, double r, const std::string& fill, const std::string& clip_id = "") {
    body_ << "<circle cx=\"" << num(x) << "\" cy=\"" << num(y) << "\" r=\"" << num(r) << "\" fill=\"" << escape(fill)
          << "\"";
    if (!clip_id.empty()) body_ << " clip-path=\"url(#" << escape(clip_id) << ")\"";
    body_ << "/>\n";
  }

  /// Text; anchor "start", "middle" or "end"; rotate in degrees about (x, y).
  /// A "^" in `s` starts a superscript that runs to the end ("10^6").
  void text(double x, double y, const std::string& s, double size = 12, const std::string& anchor = "start",
            const std::string& colour = "#000", double rotate = 0, bool bold = false) {
    body_ << "<text x=\"" << num(x) << "\" y=\"" << num(y) << "\" font-size=\"" << num(size) << "\" text-anchor=\""
          << anchor << "\" fill=\"" << escape(colour) << "\"";
    if (bold) body_ << " font-weight=\"bold\"";
    if (rotate != 0) body_ << " transform=\"rotate(" << num(rotate) << " " << num(x) << " " << num(y) << ")\"";
    body_ << ">";
    const auto caret = s.find('^');
    if (caret == std::string::npos) {
      body_ << escape(s);
    } else {
      // dy rather than baseline-shift: every renderer supports it
      body_ << escape(s.substr(0, caret)) << "<tspan dy=\"" << num(-0.4 * size) << "\" font-size=\"" << num(0.75 * size)
            << "\">" << escape(s.substr(caret + 1)) << "</tspan>";
    }
    body_ << "</text>\n";
  }

  std::string str() const {
    std::ostringstream out;
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        << "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" << num(width_) << "\" height=\""
        << num(height_) << "\" viewBox=\"0 0 " << num(width_) << " " << num(height_)
        << "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
        << "<defs>\n"
        << defs_.str() << "</defs>\n"
        << "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n"
        << body_.str() << "</svg>\n";
    return out.str();
  }

  /// Writes the document; throws std::runtime_error if the file cannot be written.
  void save(const std::string& path) const {
    std::ofstream f(path, std::ios::binary);
    f << str();
    if (!f) throw std::runtime_error("cannot write " + path);
  }

  static std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) {
      switch (c) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        default:
          out += c;
      }
    }
    return out;
  }

 private:
  static std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    std::string s(buf);
    // trim trailing zeros to keep files small ("12.50" → "12.5", "3.00" → "3")
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    if (s == "-0") s = "0";
    return s;
  }
  static std::string style(const stroke& s) {
    std::string out = " stroke=\"" + escape(s.colour) + "\" stroke-width=\"" + num(s.width) + "\"";
    if (!s.dash.empty()) out += " stroke-dasharray=\"" + escape(s.dash) + "\"";
    return out;
  }

  double width_, height_;
  std::ostringstream defs_, body_;
};

}  // namespace hashsketch_bench

#endif  // HASHSKETCH_BENCH_SVG_WRITER_HPP
