// Locals are initialized explicitly where it matters; skipping the implicit zeroing keeps stackalloc'd tiles cheap.
[module: System.Runtime.CompilerServices.SkipLocalsInit]
