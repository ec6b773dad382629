# cmake/build_speed.cmake: how looplab builds in minutes on two cores (issue 15).
#
# Where the time went (build/.ninja_log, g++ -ftime-report): about two thirds of a translation
# unit's time is spent optimising and emitting code that is not its own: the inline functions
# and templates of GoogleTest, CLI11, nlohmann-json and looplab's own coroutine machinery
# (Task, Coro, gather), compiled again in every .cpp that uses them and merged by the linker;
# and, at -O2 -g, tracking every variable through the optimiser for the debugger. The rest is
# parsing the same headers again and again. Three remedies, all plain CMake:
#
#   unity builds   a target's sources are compiled a few at a time, one `#include "a.cpp"`
#                  after another (CMake's UNITY_BUILD), so each batch compiles that shared
#                  code once: six runtime test files took 37 s of CPU alone, 22 s as a batch.
#   precompiled    the headers every file of a target includes are parsed once
#   headers        (target_precompile_headers): CLI11 and nlohmann-json alone take 7.7 s to
#                  parse and are parsed once for looplab-demo, not once per batch.
#   lean debug     in RelWithDebInfo (the default build) every looplab target gets line
#   information    tables only (-g1): file, line and function for every address, which is
#                  what backtraces, sanitizer reports and perf use. Full -g (every variable and
#                  type, tracked through the optimiser) made a batch of runtime tests take 46 s
#                  of CPU instead of 28. A Debug build (the dev preset), the one for stepping
#                  through code, keeps full -g.
# Together: a clean build of everything went from 1006 to 424 CPU-seconds (user + sys, g++ 12),
# README command 1 (the libraries and looplab-demo) from 322 to 130.
#
# A unity batch is one C++ scope, which is what can go wrong: two files that each define a
# `ms()` or a `kName` in their anonymous namespace collide, and, worse, an overload one file
# defines could silently win a call in another. So looplab_unity_build() reads every source
# first and never batches two files that declare the same name at namespace scope (column 0,
# as clang-format lays it out), and leaves out a file that defines a macro or uses a namespace
# other than std's literals. A new file needs no CMake edit: it joins the first batch it
# cannot clash with. What the scan cannot see is a name a file only looks up: if a file
# compiles alone but not in its batch (typically "X has not been declared" for a namespace
# that a batch-mate's header brought closer), qualify the name (`::testing::`,
# `looplab::detail::`) or, in a file that is not yours, list it in looplab_unity_alone below.
#
# All three are on by default and each can be turned off (-DLOOPLAB_UNITY_BUILD=OFF,
# -DLOOPLAB_PCH=OFF, -DLOOPLAB_LEAN_DEBUG_INFO=OFF); the `dev` preset turns unity off, so that
# an edited file recompiles alone and compile_commands.json names every source file (with
# unity it names the batches).

option(LOOPLAB_UNITY_BUILD "Compile each target's sources in batches (see cmake/build_speed.cmake)" ON)
option(LOOPLAB_PCH "Precompile the headers the tests and demos share" ON)
option(LOOPLAB_LEAN_DEBUG_INFO "RelWithDebInfo: -g1 (line tables only) instead of -g" ON)
set(LOOPLAB_UNITY_BATCH 8 CACHE STRING "The most source files in one unity batch")

# Files that are compiled alone, each with the reason (paths from the repository root). The
# scan above sees names a file declares, not names it merely looks up.
set(looplab_unity_alone
  # Calls `detail::finish_run` meaning looplab::detail, from inside looplab::http: batched after
  # a file that includes http/proto/detail/*.hpp, `detail::` names looplab::http::detail.
  http/server/server_thread.cpp
  # g++ 12 -O2, batched: a false -Warray-bounds in the memcpy of std::string's operator+,
  # inlined into here(); compiled alone, it is inlined differently and g++ stays quiet.
  tests/runtime/debug_mode_test.cpp
)

# Names a source file declares at namespace scope (into out_names), and whether it is safe to
# batch at all (out_safe). A line at column 0 starts a declaration; qualified names
# (`Foo::bar(`) define what a header declared, and macro calls (`TEST(`) are left to the
# compiler: a clash between those is an error, never a silent change of meaning.
#
# One lookup, not a declaration, is known to change meaning in a batch: a test that writes
# `testing::TestWithParam` inside namespace looplab means GoogleTest's ::testing, until a
# batch-mate includes a tests/*/support/ header, which declares looplab::testing; then the
# name is looked up there and the file no longer compiles. Such a file gets `avoid` =
# "namespace looplab::testing", and a file that includes a support header declares that name.
function(_looplab_declared_names file out_names out_avoid out_safe)
  file(STRINGS "${file}" lines REGEX "^[A-Za-z_#[]")
  file(STRINGS "${file}" relative_testing REGEX "(^|[^:A-Za-z0-9_])testing::")
  set(names)
  set(avoid)
  set(safe TRUE)
  if(lines MATCHES "#include \"[^\"]*support/")
    list(APPEND names "namespace looplab::testing")
  elseif(relative_testing)
    list(APPEND avoid "namespace looplab::testing")
  endif()
  foreach(line IN LISTS lines)
    if(line MATCHES "^#[ \t]*(define|undef|pragma)")
      set(safe FALSE)
    elseif(line MATCHES "^using namespace ")
      if(NOT line MATCHES "^using namespace std::([a-z_]+_)?literals")
        set(safe FALSE)
      endif()
    elseif(line MATCHES "^(#|template|namespace|extern|static_assert|[A-Z][A-Z0-9_]*\\()")
      # preprocessor, template heads, namespaces, macro calls (TEST, INSTANTIATE_...)
    elseif(line MATCHES "^using ([A-Za-z_][A-Za-z0-9_]*) =")
      list(APPEND names ${CMAKE_MATCH_1})
    elseif(line MATCHES "^using ")
      # a using-declaration: two files repeating one is harmless
    elseif(line MATCHES "^(struct|class|union|enum class|enum struct|enum) ([A-Za-z_][A-Za-z0-9_]*)")
      list(APPEND names ${CMAKE_MATCH_2})
    else()
      # A function or a variable: drop template arguments (nested ones too), then the name is
      # the identifier before the first "(" (a function) or before "=", "{", "[" (a variable).
      string(REGEX REPLACE "^(\\[\\[[^]]*\\]\\][ \t]*)+" "" text "${line}")
      foreach(i RANGE 4)
        string(REGEX REPLACE "<[^<>]*>" "" text "${text}")
      endforeach()
      if(text MATCHES "^[^(=]*[ *&]([A-Za-z_][A-Za-z0-9_]*)[ \t]*(=|\\[|\\{|$)")
        list(APPEND names ${CMAKE_MATCH_1})
      elseif(text MATCHES "([A-Za-z_~][A-Za-z0-9_:~]*)[ \t]*\\(")
        set(name "${CMAKE_MATCH_1}")  # the next MATCHES resets CMAKE_MATCH_1
        if(NOT name MATCHES "::|^(operator|decltype|sizeof|alignof|noexcept)$")
          list(APPEND names ${name})
        endif()
      endif()
    endif()
  endforeach()
  list(REMOVE_DUPLICATES names)
  set(${out_names} "${names}" PARENT_SCOPE)
  set(${out_avoid} "${avoid}" PARENT_SCOPE)
  set(${out_safe} ${safe} PARENT_SCOPE)
endfunction()

# The flags above that reach every in-tree target through looplab_options (CMakeLists.txt),
# after the build type's own, so that -g1 wins over RelWithDebInfo's -g.
if(LOOPLAB_LEAN_DEBUG_INFO AND CMAKE_CXX_FLAGS_RELWITHDEBINFO MATCHES "(^| )-g( |$)")
  target_compile_options(looplab_options INTERFACE $<$<CONFIG:RelWithDebInfo>:-g1>)
endif()

# looplab_unity_build(target [BATCH n]): compile `target`'s .cpp files in batches of at most
# LOOPLAB_UNITY_BATCH (or n), no two files in a batch declaring the same name (first fit, in
# source order). A file alone in its batch, or unsafe to batch, is compiled on its own.
function(looplab_unity_build target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "BATCH" "")
  if(NOT LOOPLAB_UNITY_BUILD)
    return()
  endif()
  set(batch ${LOOPLAB_UNITY_BATCH})
  if(arg_BATCH)
    set(batch ${arg_BATCH})
  endif()
  get_target_property(sources ${target} SOURCES)
  get_target_property(source_dir ${target} SOURCE_DIR)
  set(groups 0)
  set(alone)
  foreach(src IN LISTS sources)
    if(NOT src MATCHES "\\.cpp$")
      continue()
    endif()
    get_filename_component(path "${src}" ABSOLUTE BASE_DIR "${source_dir}")
    file(RELATIVE_PATH from_root "${PROJECT_SOURCE_DIR}" "${path}")
    if(from_root IN_LIST looplab_unity_alone)
      list(APPEND alone "${src}")
      continue()
    endif()
    _looplab_declared_names("${path}" names avoid safe)
    if(NOT safe)
      list(APPEND alone "${src}")
      continue()
    endif()
    set(chosen 0)
    set(g 1)
    while(g LESS_EQUAL groups AND chosen EQUAL 0)
      list(LENGTH group_${g}_files size)
      # A clash: a name both declare, or one that one declares and the other must not see.
      set(clash FALSE)
      foreach(name IN LISTS names)
        if(name IN_LIST group_${g}_avoid OR
           (name IN_LIST group_${g}_names AND NOT name MATCHES "^namespace "))
          set(clash TRUE)
        endif()
      endforeach()
      foreach(name IN LISTS avoid)
        if(name IN_LIST group_${g}_names)
          set(clash TRUE)
        endif()
      endforeach()
      if(size LESS batch AND NOT clash)
        set(chosen ${g})
      endif()
      math(EXPR g "${g} + 1")
    endwhile()
    if(chosen EQUAL 0)
      math(EXPR groups "${groups} + 1")
      set(chosen ${groups})
    endif()
    list(APPEND group_${chosen}_files "${src}")
    list(APPEND group_${chosen}_names ${names})
    list(APPEND group_${chosen}_avoid ${avoid})
  endforeach()
  set(g 1)
  while(g LESS_EQUAL groups)
    list(LENGTH group_${g}_files size)
    if(size LESS 2)
      list(APPEND alone ${group_${g}_files})
    else()
      set_source_files_properties(${group_${g}_files} TARGET_DIRECTORY ${target}
                                  PROPERTIES UNITY_GROUP "batch${g}")
      list(TRANSFORM group_${g}_files REPLACE ".*/" "")
      message(VERBOSE "${target} batch${g}: ${group_${g}_files}")
    endif()
    math(EXPR g "${g} + 1")
  endwhile()
  if(alone)
    message(VERBOSE "${target} alone: ${alone}")
    set_source_files_properties(${alone} TARGET_DIRECTORY ${target}
                                PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
  endif()
  set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_MODE GROUP)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # g++ warns when a type with internal linkage (a lambda, a type in an anonymous namespace)
    # becomes a member of a template instantiated from a header, unless the type is declared
    # in the main file; in a batch, every source is an included file, so each test's lambdas
    # would trip it. Non-unity builds (the dev preset) keep the warning.
    target_compile_options(${target} PRIVATE -Wno-subobject-linkage)
  endif()
endfunction()

# looplab_precompile(target HEADERS...): precompile these headers for `target`, unless
# -DLOOPLAB_PCH=OFF. Other targets built with the same flags can share them:
# looplab_reuse_pch(target owner).
function(looplab_precompile target)
  if(LOOPLAB_PCH)
    target_precompile_headers(${target} PRIVATE ${ARGN})
  endif()
endfunction()

function(looplab_reuse_pch target owner)
  if(LOOPLAB_PCH)
    target_precompile_headers(${target} REUSE_FROM ${owner})
  endif()
endfunction()
