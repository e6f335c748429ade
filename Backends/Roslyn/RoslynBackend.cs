using System;
using System.Diagnostics;
using System.Linq;
using Nabla.Backends.CSharp;
using Nabla.Ir;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;

namespace Nabla.Backends.Roslyn;

/// <summary>A model compiled at run time: its emitted source, the compiled type and the cost.</summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class RoslynModel<T> where T : unmanaged
{
    internal RoslynModel(string source, Type type, CompiledAssembly assembly, double emitMs, bool cached)
    {
        Source = source; Type = type; Assembly = assembly; EmitMs = emitMs; WasCached = cached;
    }

    /// <summary>The emitted C# source.</summary>
    public string Source { get; }
    /// <summary>The compiled class (derives from <see cref="CompiledModel{T}"/>).</summary>
    public Type Type { get; }
    /// <summary>The assembly holding it.</summary>
    public CompiledAssembly Assembly { get; }
    /// <summary>Milliseconds spent emitting the source.</summary>
    public double EmitMs { get; }
    /// <summary>True when the assembly came from the cache (no compile this time).</summary>
    public bool WasCached { get; }

    /// <summary>A new instance with zero-filled parameters.</summary>
    public CompiledModel<T> Create() => (CompiledModel<T>)Activator.CreateInstance(Type)!;
}

/// <summary>The run-time C# backend: emit a <see cref="ModelPlan"/> as C# and compile it with Roslyn (cached by source).</summary>
public static class RoslynBackend
{
    /// <summary>Emits and compiles <paramref name="plan"/>; the element type must match <typeparamref name="T"/>.</summary>
    /// <exception cref="ArgumentException">The plan's element type is not <typeparamref name="T"/>.</exception>
    /// <exception cref="InvalidOperationException">A kernel op's method (<c>Op.DefineElementwise</c>) is not loaded, not public, or lacks a form the code calls.</exception>
    /// <exception cref="CompilationFailedException">The emitted code does not compile (a bug in the emitter: please report it).</exception>
    public static RoslynModel<T> Compile<T>(ModelPlan plan, EmitOptions? options = null) where T : unmanaged
    {
        var want = typeof(T) == typeof(float) ? DType.F32 : typeof(T) == typeof(double) ? DType.F64
            : throw new ArgumentException($"Element type {typeof(T).Name} is not supported (float or double).");
        if (plan.DType != want) throw new ArgumentException($"Model \"{plan.Name}\" is {plan.DType.ShortName()}, but a CompiledModel<{typeof(T).Name}> was asked for.");
        var o = options ?? new EmitOptions();
        var sw = Stopwatch.StartNew();
        var source = CSharpEmitter.Emit(plan, o);
        double emitMs = sw.Elapsed.TotalMilliseconds;
        // Kernel ops call the user's methods: check every form the code calls, and reference the assemblies defining them.
        var references = KernelMethods.Of(plan).Select(op => KernelMethods.Check(op, typeof(T))).Distinct().ToArray();
        bool cached = RoslynCompiler.IsCached(references, source);
        var asm = RoslynCompiler.Compile(references, source);
        var type = asm.GetType($"{o.Namespace}.{o.ClassName ?? plan.Name}");
        return new RoslynModel<T>(source, type, asm, emitMs, cached);
    }

    /// <summary>Emits and compiles a one-method model and returns a new instance.</summary>
    public static CompiledModel<T> Create<T>(ModelPlan plan, EmitOptions? options = null) where T : unmanaged => Compile<T>(plan, options).Create();
}
