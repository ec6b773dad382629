// runtime/exercise_not_done.hpp: the error a course exercise throws until the student writes it.
//
// asyncio: none; this is course machinery (docs/course.md, "Graded exercises").
//
// Some functions in looplab are graded exercises: their bodies sit between
// `// exercise(NAME): begin` and `// exercise(NAME): end` markers, and docs/make_starter.sh
// writes a copy of the repository in which each such region is replaced by
// `throw looplab::ExerciseNotDone("NAME: ...")`. A distinct type (not std::logic_error) makes a
// failing grading test say plainly "not written yet" rather than look like a bug in the runtime,
// and lets the starter copy compile: a throw statement fits in any function body.
#pragma once

#include <stdexcept>
#include <string>

namespace looplab {

class ExerciseNotDone : public std::logic_error {
public:
    explicit ExerciseNotDone(const std::string& what)
        : std::logic_error("exercise not done: " + what) {}
};

}  // namespace looplab
