using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Nabla.Backends.CSharp;
using Nabla.Ir;
using Nabla.Backends.Expressions;
using Nabla.Backends.Roslyn;
using Nabla.Runtime;
using Nabla.Lowering;
using Nabla.Analysis;

namespace Nabla;

/// <summary>Which run-time backend compiles a lowered model.</summary>
public enum Backend
{
    /// <summary>
    /// Emit C# and compile it with Roslyn (seconds cold — the MNIST-1D MLP: about 15 s on a busy 2-core machine, against
    /// about 1.3 s for <see cref="Expressions"/> — a few hundred ms warm; cached by source). Choose it with
    /// <c>model.Compile(setup, Backend.Roslyn)</c> to read or debug the generated C# (<see cref="Jit.Source"/>).
    /// </summary>
    Roslyn,
    /// <summary>
    /// Build System.Linq.Expressions trees and compile them to dynamic methods: the default of <see cref="Jit.Compile(Model, TrainingSetup, Backend, long)"/>,
    /// because it compiles an order of magnitude faster than <see cref="Roslyn"/> with the same results and steps as fast
    /// (measured on the MNIST-1D MLP; see the README).
    /// </summary>
    Expressions,
}

/// <summary>
/// Run-time compilation: <c>model.Compile(setup)</c> lowers the model (<see cref="Lowerer.Lower"/>), compiles the plan
/// with the chosen <see cref="Backend"/> and binds the result to the model as a <see cref="Network"/>. Needs a process
/// that can generate code; under NativeAOT (or with dynamic code disabled) it throws a
/// <see cref="NotSupportedException"/> saying to compile the model at build time instead.
/// </summary>
public static class Jit
{
    /// <summary>The message of the exception thrown where code cannot be generated at run time.</summary>
    public const string NoDynamicCodeMessage =
        "Nabla.Jit cannot compile models in this process: it cannot generate code at run time " +
        "(RuntimeFeature.IsDynamicCodeSupported is false, as under NativeAOT). Compile the model at build time instead: " +
        "with the Nabla source generator ([Network] on a static partial class) or as a model assembly " +
        "(`nabla build <model> -o <dir>`), then bind the generated class with Network.Bind(model, new TheModel(), TheModel.Signature).";

    /// <summary>
    /// Test seam: when set, replaces the <see cref="RuntimeFeature.IsDynamicCodeSupported"/> check for the current
    /// asynchronous flow only (so a test pretending to run under NativeAOT does not affect tests running beside it).
    /// </summary>
    internal static readonly System.Threading.AsyncLocal<bool?> DynamicCodeOverride = new();

    /// <summary>
    /// Lowers <paramref name="model"/> with <paramref name="setup"/>, compiles it with <paramref name="backend"/> and binds
    /// it: the returned network trains the model's own parameters. <paramref name="dropoutSeed"/> seeds the dropout masks.
    /// </summary>
    /// <exception cref="NotSupportedException">The process cannot generate code (NativeAOT); the message says what to do.</exception>
    [RequiresDynamicCode("Nabla.Jit generates code at run time. Under NativeAOT compile the model at build time with the Nabla source generator or `nabla build`.")]
    public static Network Compile(this Model model, TrainingSetup setup, Backend backend = Backend.Expressions, long dropoutSeed = 0)
    {
        if (model is null) throw new ArgumentNullException(nameof(model));
        if (setup is null) throw new ArgumentNullException(nameof(setup));
        EnsureDynamicCode();
        return Compile(Lowerer.Lower(model, setup), backend, dropoutSeed);
    }

    /// <summary>Compiles an already lowered model and binds it to its model.</summary>
    [RequiresDynamicCode("Nabla.Jit generates code at run time. Under NativeAOT compile the model at build time with the Nabla source generator or `nabla build`.")]
    public static Network Compile(this LoweredModel lowered, Backend backend = Backend.Expressions, long dropoutSeed = 0)
    {
        if (lowered is null) throw new ArgumentNullException(nameof(lowered));
        return Network.Bind(lowered.Model, CompileModel(lowered, backend), lowered.Signature, dropoutSeed);
    }

    /// <summary>Compiles the plan of <paramref name="lowered"/> into a float32 <see cref="CompiledModel{T}"/> (zero-filled parameters, not bound).</summary>
    [RequiresDynamicCode("Nabla.Jit generates code at run time. Under NativeAOT compile the model at build time with the Nabla source generator or `nabla build`.")]
    public static CompiledModel<float> CompileModel(LoweredModel lowered, Backend backend = Backend.Expressions) => CompileModel<float>(lowered, backend);

    /// <summary>
    /// Compiles the plan of <paramref name="lowered"/> into a <see cref="CompiledModel{T}"/> of <typeparamref name="T"/>
    /// (<see cref="float"/> for a model lowered with <see cref="DType.F32"/>, <see cref="double"/> for <see cref="DType.F64"/>);
    /// parameters start at zero and nothing is bound. A <see cref="Network"/> runs float32 models; float64 models are for
    /// checking compiled code against the reference interpreter.
    /// </summary>
    [RequiresDynamicCode("Nabla.Jit generates code at run time. Under NativeAOT compile the model at build time with the Nabla source generator or `nabla build`.")]
    public static CompiledModel<T> CompileModel<T>(LoweredModel lowered, Backend backend = Backend.Expressions) where T : unmanaged
    {
        if (lowered is null) throw new ArgumentNullException(nameof(lowered));
        EnsureDynamicCode();
        var want = typeof(T) == typeof(float) ? DType.F32 : typeof(T) == typeof(double) ? DType.F64
            : throw new NotSupportedException($"Element type {typeof(T).Name} is not supported (float or double).");
        if (lowered.Plan.DType != want)
            throw new ArgumentException($"Model \"{lowered.Plan.Name}\" was lowered as {lowered.Plan.DType.ShortName()} but is compiled as {typeof(T).Name}; set TrainingSetup.DType = DType.{(want == DType.F32 ? "F32" : "F64")} (a Network runs F32 models).");
        Network.CheckMemory(lowered); // sizes and memory before anything is allocated
        return backend switch
        {
            Backend.Roslyn => RoslynBackend.Compile<T>(lowered.Plan, EmitOptions(lowered)).Create(),
            Backend.Expressions => ExpressionBackend.Compile<T>(lowered.Plan),
            _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "Use Backend.Roslyn or Backend.Expressions."),
        };
    }

    /// <summary>The C# source the Roslyn backend compiles for <paramref name="lowered"/> (typed methods take inputs in <see cref="TrainingSignature.InputOrder"/>).</summary>
    public static string Source(LoweredModel lowered) => CSharpEmitter.Emit(lowered.Plan, EmitOptions(lowered));

    /// <summary>The emitter options for a lowered model: class named after the model, inputs in signature order.</summary>
    public static EmitOptions EmitOptions(LoweredModel lowered) => new() { ClassName = lowered.Plan.Name, InputOrder = lowered.Signature.InputOrder };

    /// <summary>Parses a backend name (<c>roslyn</c> or <c>expressions</c>, any case); the error lists both.</summary>
    public static Backend ParseBackend(string name) => (name ?? "").Trim().ToLowerInvariant() switch
    {
        "roslyn" => Backend.Roslyn,
        "expressions" or "expression" => Backend.Expressions,
        _ => throw new ArgumentException($"Unknown backend \"{name}\"; use roslyn or expressions."),
    };

    private static void EnsureDynamicCode()
    {
        if (!(DynamicCodeOverride.Value ?? RuntimeFeature.IsDynamicCodeSupported)) throw new NotSupportedException(NoDynamicCodeMessage);
    }
}
