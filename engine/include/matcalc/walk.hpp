// One walk over the distinct nodes of a term's DAG, for the questions asked
// of a whole term (its variables, its dimensions, its size): a node shared
// by many parents is visited once, and the walk keeps its own stack, so a
// deep term cannot overflow the call stack.
#pragma once
#include <boost/container/small_vector.hpp>

#include "matcalc/id_map.hpp"
#include "matcalc/term.hpp"

namespace matcalc {

// Calls visit(node) once per distinct node, depth first, operands left to
// right; visit returns whether to go below the node.
template <class Visit>
void forEachNode(const Arena& arena, Id term, Visit&& visit) {
  IdMap seen;
  boost::container::small_vector<Id, 32> stack{term};
  while (!stack.empty()) {
    Id t = stack.back();
    stack.pop_back();
    if (seen.contains(t)) continue;
    seen.set(t, t);
    if (!visit(t)) continue;
    auto kids = arena.kids(t);
    for (auto it = kids.rbegin(); it != kids.rend(); ++it) stack.push_back(*it);
  }
}

}  // namespace matcalc
