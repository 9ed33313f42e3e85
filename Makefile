# Thin wrapper over the CMake presets. The two set-up commands of the README are `make demo` and
# `make test`; both install the Debian packages first (a no-op when they are present).
.PHONY: all deps build test demo bench debug test-debug format clean

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	cmake --preset release
	cmake --build --preset release

test: build
	ctest --preset release

demo: build
	./build/release/auditsync demo

bench: build
	./bench/run.sh

debug: deps
	cmake --preset debug
	cmake --build --preset debug

test-debug: debug
	ctest --preset debug

format:
	find src emulator tests bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

clean:
	rm -rf build
