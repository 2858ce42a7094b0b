// matcalc: a thin command-line client of the engine library.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.hpp"
#include "matcalc/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"matcalc: matrix calculus by verified rewriting"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "matcalc 0.1");
  matcalc::cli::Commands commands;
  matcalc::cli::addExpressionCommands(app, commands);
  matcalc::cli::addCalculusCommands(app, commands);
  matcalc::cli::addRuleCommands(app, commands);
  matcalc::cli::addCatalogCommands(app, commands);
  try {
    app.parse(argc, argv);
    return commands.run();
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "matcalc: " << e.what() << " (see matcalc --help)\n";
    return 2;
  } catch (const matcalc::ParseError& e) {
    std::cerr << "matcalc: parse error: " << e.what() << "\n" << e.caret() << "\n";
    return 2;
  } catch (const matcalc::Error& e) {
    std::cerr << "matcalc: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "matcalc: internal error: " << e.what() << "\n";
    return 70;
  }
}
