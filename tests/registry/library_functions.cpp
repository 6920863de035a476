// Functions registered in a static library, in a translation unit of their own.
#include "library_functions.hpp"

int library_triple(int x) { return 3 * x; }
std::string library_greet(const std::string& who) { return "hello, " + who; }

ACTORS_REMOTE(library_triple, library_greet)
