using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
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
        CheckType<T>(plan);
        var o = options ?? new EmitOptions();
        var sw = Stopwatch.StartNew();
        var source = CSharpEmitter.Emit(plan, o);
        double emitMs = sw.Elapsed.TotalMilliseconds;
        var references = KernelAssemblies<T>(plan);
        bool cached = RoslynCompiler.IsCached(references, source);
        var asm = RoslynCompiler.Compile(references, source);
        var type = asm.GetType($"{o.Namespace}.{o.ClassName ?? plan.Name}");
        return new RoslynModel<T>(source, type, asm, emitMs, cached);
    }

    /// <summary>
    /// Emits <paramref name="plan"/> and compiles it to the bytes of a DLL named <paramref name="assemblyName"/> that a
    /// program can reference (compiled against the net10.0 reference assemblies: see
    /// <see cref="RoslynCompiler.EmitAssembly(string, IEnumerable{Assembly}, string[])"/>). The model's class is
    /// <c>Namespace.ClassName</c> of <paramref name="options"/> (by default <c>Nabla.Generated.</c> and the plan's name).
    /// Kernel ops' methods (<c>Op.DefineElementwise</c>) are checked as for <see cref="Compile{T}"/> and the assemblies
    /// defining them are referenced; a program using the DLL must reference those too.
    /// </summary>
    /// <exception cref="ArgumentException">The plan's element type is not <typeparamref name="T"/>, or the name is empty.</exception>
    /// <exception cref="InvalidOperationException">A kernel op's method is not loaded, not public, or lacks a form the code calls; or its assembly has no file.</exception>
    /// <exception cref="CompilationFailedException">The emitted code does not compile (a bug in the emitter: please report it).</exception>
    public static byte[] EmitAssembly<T>(ModelPlan plan, string assemblyName, EmitOptions? options = null) where T : unmanaged
    {
        CheckType<T>(plan);
        var source = CSharpEmitter.Emit(plan, options ?? new EmitOptions());
        return RoslynCompiler.EmitAssembly(assemblyName, KernelAssemblies<T>(plan), source);
    }

    // Kernel ops call the user's methods: check every form the code calls, and reference the assemblies defining them
    // (Roslyn reads a reference from its file: an assembly loaded from bytes cannot be one; say which op needs it).
    private static Assembly[] KernelAssemblies<T>(ModelPlan plan)
    {
        var assemblies = new List<Assembly>();
        foreach (var op in KernelMethods.Of(plan))
        {
            var a = KernelMethods.Check(op, typeof(T));
            if (a.IsDynamic || string.IsNullOrEmpty(a.Location))
                throw new InvalidOperationException($"Kernel op '{op.Name}' calls {op.KernelMethod}, defined in assembly {a.GetName().Name}, which was loaded from memory (or is dynamic): Roslyn compiles against files, so it cannot reference it. Load that assembly from a file, or compile the model with the expression backend.");
            if (!assemblies.Contains(a)) assemblies.Add(a);
        }
        return assemblies.ToArray();
    }

    private static void CheckType<T>(ModelPlan plan)
    {
        var want = typeof(T) == typeof(float) ? DType.F32 : typeof(T) == typeof(double) ? DType.F64
            : throw new ArgumentException($"Element type {typeof(T).Name} is not supported (float or double).");
        if (plan.DType != want) throw new ArgumentException($"Model \"{plan.Name}\" is {plan.DType.ShortName()}, but a CompiledModel<{typeof(T).Name}> was asked for.");
    }

    /// <summary>Emits and compiles a one-method model and returns a new instance.</summary>
    public static CompiledModel<T> Create<T>(ModelPlan plan, EmitOptions? options = null) where T : unmanaged => Compile<T>(plan, options).Create();
}
