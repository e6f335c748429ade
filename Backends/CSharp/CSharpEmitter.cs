using System;
using System.Collections.Generic;
using Nabla.Rewrites.Schedule;

namespace Nabla.Backends.CSharp;

/// <summary>Where and how the emitted class is declared.</summary>
public sealed class EmitOptions
{
    /// <summary>The namespace of the class (default <c>Nabla.Generated</c>; empty for the global namespace).</summary>
    public string Namespace { get; set; } = "Nabla.Generated";

    /// <summary>
    /// Declarations of the types the class is nested in, outermost first (e.g. <c>static partial class Mnist1dMlp</c>);
    /// each must be a <c>partial</c> type. Empty (default): the class is declared directly in <see cref="Namespace"/>.
    /// The source generator nests the compiled model in the user's <c>[Network]</c> class this way.
    /// </summary>
    public IReadOnlyList<string> ContainingTypes { get; set; } = Array.Empty<string>();

    /// <summary>The class name (default: the model's name).</summary>
    public string? ClassName { get; set; }

    /// <summary><c>public</c> (default) or <c>internal</c>.</summary>
    public string Accessibility { get; set; } = "public";

    /// <summary>
    /// Names of inputs in the order the typed methods (and <c>Run</c>) take them; inputs not listed follow in schedule
    /// order. Rewrites may renumber a graph, so list the inputs when callers depend on their positions.
    /// </summary>
    public IReadOnlyList<string>? InputOrder { get; set; }

    /// <summary>
    /// Profiling build: time every kernel with <c>Stopwatch.GetTimestamp</c> (about 20 ns each) and add the ticks to the
    /// class's static <c>KernelTicks[method][kernel]</c>. Off by default.
    /// </summary>
    public bool ProfileKernels { get; set; }

    /// <summary>Whether each kernel's comment lists the IR nodes it computes, one per line (default true).</summary>
    public bool IrComments { get; set; } = true;

    /// <summary>
    /// Writes, at the top of each method's kernels, the whole IR the schedule was built from (one node per line, as
    /// <c>nabla ir</c> prints it), so the <c>%N</c> references of the kernel comments can be looked up in the file itself
    /// (default false; the checked-in sample turns it on).
    /// </summary>
    public bool IrListing { get; set; }

    /// <summary>
    /// About how many scalar instructions one generated method holds (default 4,096): a method's kernels beyond it go
    /// to further private methods, called in order, so a very deep formula compiles — one method may hold at most
    /// 65,534 locals, and Roslyn's analysis of a method grows faster than its length. Networks of ordinary size stay in
    /// one method. A fused loop counts its instructions, any other kernel 16.
    /// </summary>
    public int MethodBudget
    {
        get => _methodBudget;
        set => _methodBudget = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "MethodBudget must be at least 1.");
    }

    private int _methodBudget = 4096;
}

/// <summary>
/// Turns a <see cref="ModelPlan"/> into one C# compilation unit: a <c>sealed partial class</c> deriving from
/// <c>Nabla.Runtime.CompiledModel&lt;float|double&gt;</c> with its <c>ModelSpec</c>, the <c>Execute</c> dispatcher, and
/// one typed method per schedule (<c>TrainStep(int batch, float[] x, ...)</c>) that checks its arrays and runs the
/// kernels in order, one commented block per kernel: fused loops vectorized with <c>Vector256</c> and <c>Vector128</c>
/// (a scalar tail and a scalar fallback behind <c>IsHardwareAccelerated</c> and <c>CompiledModel&lt;T&gt;.VectorsEnabled</c>),
/// reductions, and calls to the runtime's GEMM, normalizer and window kernels. Fixed sizes are constants and the batch
/// is a loop bound; a call allocates nothing. The code uses no reflection, no dynamic code and no pointers: array
/// references are read with <c>Unsafe.Add</c> and <c>Vector256.LoadUnsafe</c> only inside extents the entry checks.
/// </summary>
public static class CSharpEmitter
{
    /// <summary>The C# source of <paramref name="plan"/>.</summary>
    /// <exception cref="ArgumentException">The options name an invalid namespace, class name or accessibility.</exception>
    public static string Emit(ModelPlan plan, EmitOptions? options = null)
    {
        if (plan is null) throw new ArgumentNullException(nameof(plan));
        var o = options ?? new EmitOptions();
        Validate(o, plan);
        return new ModelEmitter(plan, o).Emit();
    }

    private static void Validate(EmitOptions o, ModelPlan plan)
    {
        if (o.Accessibility != "public" && o.Accessibility != "internal")
            throw new ArgumentException($"Accessibility must be \"public\" or \"internal\", not \"{o.Accessibility}\".");
        var cls = o.ClassName ?? plan.Name;
        if (!IsIdentifier(cls)) throw new ArgumentException($"Class name \"{cls}\" is not a valid C# identifier.");
        if (o.Namespace.Length > 0)
            foreach (var part in o.Namespace.Split('.'))
                if (!IsIdentifier(part)) throw new ArgumentException($"Namespace \"{o.Namespace}\" is not a valid C# namespace.");
        foreach (var decl in o.ContainingTypes)
            if (decl is null || !decl.Contains("partial ") || decl.IndexOfAny(new[] { '{', '}', ';' }) >= 0)
                throw new ArgumentException($"Containing type \"{decl}\" must be one partial type declaration header (e.g. \"static partial class Outer\").");
        var seen = new HashSet<string>();
        foreach (var (m, _) in plan.Methods)
        {
            if (!IsIdentifier(m)) throw new ArgumentException($"Method name \"{m}\" of model \"{plan.Name}\" is not a valid C# identifier.");
            if (m == cls || m == "Execute" || m == "Run" || m == "Spec" || m == "Parameters" || m == "CheckNumerics" || !seen.Add(m))
                throw new ArgumentException($"Method name \"{m}\" of model \"{plan.Name}\" clashes with a member of the generated class.");
        }
    }

    private static bool IsIdentifier(string s)
    {
        if (string.IsNullOrEmpty(s) || !(char.IsLetter(s[0]) || s[0] == '_')) return false;
        foreach (var c in s) if (!(char.IsLetterOrDigit(c) || c == '_')) return false;
        return Names.Identifier(s) == s;
    }
}
