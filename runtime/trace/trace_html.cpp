// runtime/trace/trace_html.cpp: write_html_explorer, the loop explorer page (see trace_export.hpp
// and docs/explorer.md).
//
// asyncio: none; the models are the browser visualisers of the JavaScript event loop (Loupe
//          and its descendants), which step a toy loop. This page steps a recorded real one.
//
// Why one file with everything inline: a student opens it from disk, a teacher mails it or
// projects it offline, and nothing about it can break later (no CDN, no server). The page's
// script and style are real files, runtime/trace/explorer/explorer.js and explorer.css, that
// CMake pastes into a generated header at configure time (explorer_assets.hpp.in), so they are
// read, linted and reviewed as code and still ship inside the binary. The run's data is one
// JSON object (explorer_json) in a <script type="application/json"> block, which the browser
// never executes; "</" is written "<\/" inside it, so no string in the trace can close the
// block early.
//
// The Content-Security-Policy (default-src 'none', inline script and style allowed) makes the
// "loads nothing" promise something the browser enforces, not just a habit of the template.
#include <ostream>
#include <string>
#include <vector>

#include "runtime/trace/explorer_assets.hpp"
#include "runtime/trace/trace_export.hpp"
#include "runtime/trace/trace_text.hpp"

namespace looplab {

namespace {

// JSON made safe inside a <script> block: every "</" becomes "<\/" (the same string in JSON).
std::string script_safe(std::string json) {
    for (std::size_t at = json.find("</"); at != std::string::npos; at = json.find("</", at)) {
        json.insert(at + 1, "\\");
        at += 3;
    }
    return json;
}

}  // namespace

void write_html_explorer(std::ostream& out, const std::vector<TraceLane>& lanes,
                         const ExplorerOptions& options) {
    const std::string title =
        options.title.empty() ? std::string("looplab: the loop explorer") : options.title;
    ExplorerOptions with_title = options;
    with_title.title = title;
    out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
           "script-src 'unsafe-inline'; style-src 'unsafe-inline'\">\n"
        << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        << "<title>" << detail::xml_text(title) << "</title>\n<style>\n"
        << explorer::kCss << "</style>\n</head>\n<body>\n"
        << "<script id=\"trace-data\" type=\"application/json\">"
        << script_safe(explorer_json(lanes, with_title)) << "</script>\n"
        << "<noscript>The loop explorer needs JavaScript (it runs from this file "
           "alone).</noscript>\n"
        << "<div id=\"app\"></div>\n<script>\n"
        << explorer::kJs << "</script>\n</body>\n</html>\n";
}

}  // namespace looplab
