// The Python module's native part (_matcalc): the engine's jobs on strings,
// each in an arena of its own, every derivative checked numerically before it
// is returned, as the CLI does. python/matcalc/__init__.py wraps it.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <map>
#include <string>
#include <vector>

#include "matcalc/calculus.hpp"
#include "matcalc/catalog.hpp"
#include "matcalc/parse.hpp"
#include "matcalc/print.hpp"
#include "matcalc/rules.hpp"

namespace py = pybind11;
using namespace matcalc;

namespace {

struct Result {
  std::string text, latex, numpy, torch, shape;
  std::vector<std::map<std::string, std::string>> steps;
  std::vector<std::string> assumptions;
};

struct Job {
  Arena arena;
  RuleSet rules = RuleSet::standard(arena);
  std::vector<Id> terms;
  std::vector<GuardUse> facts;
  Job(const std::vector<std::string>& texts, const std::map<std::string, std::string>& kinds,
      const std::vector<std::string>& assume, bool sameShape = false) {
    ParseOptions options;
    for (const auto& [name, kind] : kinds) options.declared[name] = parseVarKind(kind);
    ParseSession session(arena, options);
    for (const std::string& t : texts) session.add(t);
    if (sameShape) session.requireSameShape(0, 1);
    auto guards = constrainGuards(session, assume);
    terms = session.finish();
    facts = resolveGuards(arena, 0, guards);
  }
  Id variable(const std::string& name) {
    const Symbol* s = arena.findSymbol(name, 0);
    if (!s) throw Error(Error::Category::Usage, "'" + name + "' does not occur in the expression");
    return arena.symbol(s->name, s->kind, s->shape, 0);
  }
  Result result(Id shown, const Derivation& d) {
    Result r;
    Shared s = shareCommonSubterms(arena, shown);
    r.numpy = toPythonLines(arena, s, false);
    try {  // PyTorch cannot say everything (it has no logm): then .torch is None
      r.torch = toPythonLines(arena, s, true);
    } catch (const Error&) {
      r.torch.clear();
    }
    r.text = toText(arena, s.result);
    for (std::size_t i = 0; i < s.bindings.size(); ++i)
      r.text += (i == 0 ? "\n  where " : ",\n        ") + s.bindings[i].first + " = " + toText(arena, s.bindings[i].second);
    r.latex = toLatex(arena, shown);
    r.shape = arena.shapeText(arena.shape(shown));
    for (const auto& stage : d.stages)
      for (const Step& st : stage.steps)
        r.steps.push_back({{"stage", stage.title}, {"rule", st.rule ? st.rule->name : ""}, {"before", toText(arena, st.before)},
                           {"after", toText(arena, st.after)}});
    r.assumptions = d.assumptions;
    return r;
  }
};

void requireAgreement(const Arena& a, const NumericCheck& c, Id shown, const char* what) {
  if (c.points > 0 && c.maxError > kGradientTolerance)
    throw Error(Error::Category::Eval, std::string("the derived ") + what + " " + toText(a, shown) + " fails its numeric check (" +
                                           c.worst + "): this is a bug, please report it");
}

Result grad(const std::string& f, const std::string& wrt, const std::map<std::string, std::string>& kinds,
            const std::vector<std::string>& assume) {
  Job job({f}, kinds, assume);
  Id x = job.variable(wrt);
  GradientResult g = gradient(job.arena, job.rules, job.terms[0], x, job.facts, {}, true);
  requireAgreement(job.arena, checkGradient(job.arena, job.terms[0], x, g.display, 4, 7, job.facts), g.display, "gradient");
  return job.result(g.display, g.derivation);
}

Result derivative(const std::string& f, const std::string& wrt, const std::map<std::string, std::string>& kinds,
                  const std::vector<std::string>& assume, bool hessianToo) {
  Job job({f}, kinds, assume);
  Id x = job.variable(wrt);
  if (!hessianToo) {
    DerivativeResult j = jacobian(job.arena, job.rules, job.terms[0], x, job.facts, {}, true);
    requireAgreement(job.arena, checkJacobian(job.arena, job.terms[0], x, j.display, 4, 7, job.facts), j.display, "Jacobian");
    return job.result(j.display, j.derivation);
  }
  if (!job.arena.shape(job.terms[0]).isScalar()) throw Error(Error::Category::Shape, "the function must be scalar-valued for a Hessian");
  GradientResult g = gradient(job.arena, job.rules, job.terms[0], x, job.facts, {}, true, {x});
  requireAgreement(job.arena, checkGradient(job.arena, job.terms[0], x, g.display, 4, 7, job.facts), g.display, "gradient");
  DerivativeResult h = hessian(job.arena, job.rules, g, x, job.facts, {}, true);
  requireAgreement(job.arena, checkJacobian(job.arena, g.gradient, x, h.display, 4, 7, job.facts), h.display, "Hessian");
  return job.result(h.display, h.derivation);
}

Result simplifyText(const std::string& e, const std::map<std::string, std::string>& kinds, const std::vector<std::string>& assume) {
  Job job({e}, kinds, assume);
  SimplifyResult s = simplify(job.arena, job.rules, job.terms[0], job.facts, {}, true);
  return job.result(s.display, s.derivation);
}

std::string equivText(const std::string& a, const std::string& b, const std::map<std::string, std::string>& kinds,
                      const std::vector<std::string>& assume) {
  Job job({a, b}, kinds, assume, true);
  switch (decideEquivalence(job.arena, job.rules, job.terms[0], job.terms[1], job.facts).verdict) {
    case Equivalence::Verdict::Equal: return "equal";
    case Equivalence::Verdict::Different: return "different";
    case Equivalence::Verdict::NotProven: return "not proven";
  }
  return "not proven";
}

std::vector<std::map<std::string, std::string>> lookupText(const std::string& query, const std::string& identities) {
  Arena arena;
  RuleSet rules = RuleSet::standard(arena);
  Catalog catalog;
  catalog.loadDirectory(arena, identities);
  std::vector<std::map<std::string, std::string>> out;
  for (const LookupHit& h : lookup(arena, rules, catalog, query))
    out.push_back({{"name", h.entry->name}, {"statement", h.entry->statement}, {"source", h.entry->source}, {"section", h.entry->section}});
  return out;
}

}  // namespace

PYBIND11_MODULE(_matcalc, m) {
  m.doc() = "matcalc's engine (use the matcalc package)";
  static py::exception<Error> base(m, "Error");
  static py::exception<Error> parseError(m, "ParseError", base.ptr());
  static py::exception<Error> shapeError(m, "ShapeError", base.ptr());
  static py::exception<Error> unsupported(m, "UnsupportedError", base.ptr());
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ParseError& e) {  // args: (message with the caret, position)
      PyErr_SetObject(parseError.ptr(), py::make_tuple(std::string(e.what()) + "\n" + e.caret(), e.position()).ptr());
    } catch (const Error& e) {
      switch (e.category()) {
        case Error::Category::Shape: shapeError(e.what()); break;
        case Error::Category::Unsupported: unsupported(e.what()); break;
        default: base(e.what()); break;
      }
    }
  });
  py::class_<Result>(m, "Result")
      .def_readonly("text", &Result::text)
      .def_readonly("latex", &Result::latex)
      .def_readonly("numpy", &Result::numpy)
      .def_readonly("torch", &Result::torch)
      .def_readonly("shape", &Result::shape)
      .def_readonly("steps", &Result::steps)
      .def_readonly("assumptions", &Result::assumptions);
  using Kinds = std::map<std::string, std::string>;
  using Strings = std::vector<std::string>;
  m.def("grad", &grad, py::arg("f"), py::arg("wrt"), py::arg("kinds") = Kinds{}, py::arg("assume") = Strings{});
  m.def("jacobian", [](const std::string& f, const std::string& wrt, const Kinds& k, const Strings& a) { return derivative(f, wrt, k, a, false); },
        py::arg("f"), py::arg("wrt"), py::arg("kinds") = Kinds{}, py::arg("assume") = Strings{});
  m.def("hessian", [](const std::string& f, const std::string& wrt, const Kinds& k, const Strings& a) { return derivative(f, wrt, k, a, true); },
        py::arg("f"), py::arg("wrt"), py::arg("kinds") = Kinds{}, py::arg("assume") = Strings{});
  m.def("simplify", &simplifyText, py::arg("e"), py::arg("kinds") = Kinds{}, py::arg("assume") = Strings{});
  m.def("equiv", &equivText, py::arg("a"), py::arg("b"), py::arg("kinds") = Kinds{}, py::arg("assume") = Strings{});
  m.def("lookup", &lookupText, py::arg("query"), py::arg("identities"));
}
