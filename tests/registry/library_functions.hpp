#pragma once
#include <actors/actors.hpp>

#include <string>

int library_triple(int x);
std::string library_greet(const std::string& who);
