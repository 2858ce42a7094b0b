// matcalc: a thin command-line client of the engine library.
#include <CLI/CLI.hpp>
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "matcalc/big_stack.hpp"
#include "matcalc/error.hpp"

namespace {

int run(std::vector<std::string> args);

// matcalc batch [FILE]: one job per line as JSON ({"command": "grad",
// "expression": "x'*A*x", "wrt": "x", "vars": [...], "assume": [...],
// "emit": "json"}), one JSON line out per job, errors included, for use as a
// long-running backend. Each job runs as its own command line, in a fresh arena.
int batch(const std::string& file) {
  std::ifstream in;
  if (!file.empty() && file != "-") {
    in.open(file);
    if (!in) throw matcalc::Error(matcalc::Error::Category::Usage, "cannot read '" + file + "'");
  }
  std::istream& lines = file.empty() || file == "-" ? std::cin : in;
  std::string line;
  int failed = 0;
  while (std::getline(lines, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json out;
    std::vector<std::string> args{"matcalc"};
    try {
      nlohmann::json job = nlohmann::json::parse(line);
      if (!job.is_object() || !job.contains("command") || !job["command"].is_string())
        throw matcalc::Error(matcalc::Error::Category::Usage, "a job is a JSON object with a \"command\"");
      std::string command = job["command"];
      if (command == "batch") throw matcalc::Error(matcalc::Error::Category::Usage, "a batch job cannot be a batch");
      args.push_back(command);
      auto strings = [](const nlohmann::json& v) {
        std::vector<std::string> out;
        if (v.is_string()) out.push_back(v);
        else if (v.is_array()) for (const auto& s : v) out.push_back(s.get<std::string>());
        else throw matcalc::Error(matcalc::Error::Category::Usage, "expected a string or a list of strings");
        return out;
      };
      for (const char* key : {"expression", "expressions"})
        if (job.contains(key))
          for (const auto& e : strings(job[key])) {
            if (e == "-") throw matcalc::Error(matcalc::Error::Category::Usage, "standard input holds the jobs, not an expression");
            args.push_back(" " + e);  // a leading space: never read as an option, skipped by the parser
          }
      std::vector<std::string> options;
      auto option = [&](const char* key, const char* flag) {
        if (job.contains(key)) for (const auto& v : strings(job[key])) { options.push_back(flag); options.push_back(v); }
      };
      option("wrt", "--wrt");
      option("vars", "--var");
      option("assume", "--assume");
      option("emit", "--emit");
      args.insert(args.begin() + 2, options.begin(), options.end());
      out["job"] = job;
    } catch (const std::exception& e) {
      out = {{"ok", false}, {"exit", 2}, {"error", std::string("bad job: ") + matcalc::oneLine(e.what())}};
      std::cout << out.dump() << "\n" << std::flush;
      ++failed;
      continue;
    }
    std::ostringstream captured, errors;
    auto* oldOut = std::cout.rdbuf(captured.rdbuf());
    auto* oldErr = std::cerr.rdbuf(errors.rdbuf());
    int code = run(args);
    std::cout.rdbuf(oldOut);
    std::cerr.rdbuf(oldErr);
    matcalc::cli::resetProcessArena();
    out["ok"] = code == 0;
    out["exit"] = code;
    std::string text = captured.str();
    bool json = out["job"].contains("emit") && out["job"]["emit"] == "json";
    nlohmann::json parsed = json ? nlohmann::json::parse(text, nullptr, false) : nlohmann::json(nlohmann::json::value_t::discarded);
    if (json && !parsed.is_discarded()) out["result"] = parsed;
    else out["output"] = text;
    if (!errors.str().empty()) out[code == 0 ? "warnings" : "error"] = errors.str();
    failed += code != 0;
    std::cout << out.dump() << "\n" << std::flush;
  }
  return failed ? 1 : 0;
}

int run(std::vector<std::string> args) {
  // CLI11 answers --version by throwing, and the first exception of a static
  // executable sorts its unwind tables: 23 M instructions, 4 ms.
  if (args.size() == 2 && args[1] == "--version") {
    std::cout << "matcalc " MATCALC_VERSION "\n";
    return 0;
  }
  CLI::App app{"matcalc: matrix calculus by verified rewriting"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "matcalc " MATCALC_VERSION);
  matcalc::cli::Commands commands;
  matcalc::cli::addExpressionCommands(app, commands);
  matcalc::cli::addCalculusCommands(app, commands);
  matcalc::cli::addRuleCommands(app, commands);
  matcalc::cli::addCatalogCommands(app, commands);
  std::string batchFile;
  CLI::App* b = app.add_subcommand("batch", "one job per line as JSON (stdin or FILE), one JSON line out per job");
  b->add_option("file", batchFile, "a file of jobs (default: standard input)");
  b->callback([&] { commands.chosen = [&] { return batch(batchFile); }; });
  // An expression may start with a minus sign: "-y'*log(softmax(W*x))". No
  // option of matcalc is a dash and one letter besides -h, so an argument
  // that starts with one dash is an expression; a leading space keeps CLI11
  // from reading it as an option (the parser skips spaces).
  bool positionalOnly = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--") positionalOnly = true;
    if (!positionalOnly && args[i].size() > 1 && args[i][0] == '-' && args[i][1] != '-' && args[i] != "-h") args[i] = " " + args[i];
  }
  std::vector<char*> pointers;
  for (std::string& a : args) pointers.push_back(a.data());
  try {
    app.parse(static_cast<int>(pointers.size()), pointers.data());
    return commands.run();
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "matcalc: " << matcalc::oneLine(e.what()) << " (see matcalc --help)\n";
    return 2;
  } catch (const matcalc::ParseError& e) {
    std::cerr << "matcalc: parse error: " << matcalc::oneLine(e.what()) << "\n" << e.caret() << "\n";
    return 2;
  } catch (const matcalc::Error& e) {
    std::cerr << "matcalc: " << matcalc::oneLine(e.what()) << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "matcalc: internal error: " << matcalc::oneLine(e.what()) << "\n";
    return 70;
  }
}

// A job of a worked example touches about a megabyte of heap (the standard
// rules alone 600 KB), and on a virtual machine the first touch of each 4 KB
// page costs microseconds, even once the page is present: 0.3 ms for 256 KB
// written after MADV_POPULATE_WRITE, against 5-10 us within one 2 MB
// transparent huge page, whose single fault costs 0.15-0.2 ms. So the heap
// continues on a huge page: a block that is never freed fills the heap up to
// the next 2 MB boundary, the 2 MB after it are marked MADV_HUGEPAGE and
// touched once: 0.11-0.29 ms (median 0.19) over 60 calls, one of them 3.7 ms
// when the kernel had to compact memory for a free 2 MB page. Without huge
// pages, the kernel falls back to 4 KB pages. One malloc arena, so that the
// job's thread allocates from this heap too.
void heapOnHugePage() {
  constexpr std::uintptr_t kHuge = std::uintptr_t(1) << 21, kProbe = std::uintptr_t(1) << 18;
  mallopt(M_ARENA_MAX, 1);
  mallopt(M_TOP_PAD, 3 * kHuge);         // the heap reaches past the huge page…
  mallopt(M_TRIM_THRESHOLD, 4 * kHuge);  // … and stays so
  mallopt(M_MMAP_THRESHOLD, 4 * kHuge);  // fixed now that M_TOP_PAD is set: large blocks stay in the heap
  // More than the heap has free, so it grows by M_TOP_PAD (volatile: not
  // elided with its free).
  void* volatile probe = malloc(kProbe);
  auto at = reinterpret_cast<std::uintptr_t>(probe);
  free(probe);
  // Past the probe, whose end malloc wrote to: a page written before the
  // range is marked would be a 4 KB one, and the range would stay so.
  auto huge = (at + kProbe + 4096 + kHuge - 1) & ~(kHuge - 1);
  if (!probe || reinterpret_cast<std::uintptr_t>(sbrk(0)) < huge + kHuge) return;
  if (madvise(reinterpret_cast<void*>(huge), kHuge, MADV_HUGEPAGE) != 0) return;
  static void* gap = malloc(huge - at);  // held for good: the next blocks start at the boundary
  if (gap) *reinterpret_cast<volatile char*>(huge) = 0;  // one fault makes the whole page
}

}  // namespace

int main(int argc, char** argv) {
  heapOnHugePage();
  std::vector<std::string> args(argv, argv + argc);
  return matcalc::onBigStack([&] { return run(args); });
}
