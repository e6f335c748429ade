// Locals are initialized explicitly where it matters; skipping the implicit zeroing keeps stackalloc'd tiles cheap.
[module: System.Runtime.CompilerServices.SkipLocalsInit]

// Tests exercise internal pieces (packing, kernels, the worker pool) directly.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Nabla.Tests")]
