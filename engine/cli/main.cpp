// matcalc: a thin command-line client of the engine library.
#include <CLI/CLI.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "matcalc/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"matcalc: matrix calculus by verified rewriting"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "matcalc " MATCALC_VERSION);
  matcalc::cli::Commands commands;
  matcalc::cli::addExpressionCommands(app, commands);
  matcalc::cli::addCalculusCommands(app, commands);
  matcalc::cli::addRuleCommands(app, commands);
  matcalc::cli::addCatalogCommands(app, commands);
  // An expression may start with a minus sign: "-y'*log(softmax(W*x))". No
  // option of matcalc is a dash and one letter besides -h, so an argument
  // that starts with one dash is an expression; a leading space keeps CLI11
  // from reading it as an option (the parser skips spaces).
  std::vector<std::string> args(argv, argv + argc);
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
