using System;
using System.Runtime.CompilerServices;

namespace Nabla.Runtime;

/// <summary>Thrown when a run produces a NaN or infinity while <see cref="CompiledModel{T}.CheckNumerics"/> is on.</summary>
public sealed class NumericsException : ArithmeticException
{
    /// <summary>Creates the exception.</summary>
    public NumericsException(string message) : base(message) { }
}

/// <summary>
/// A compiled model: parameters shared by its methods, and the methods themselves (emitted code overrides
/// <see cref="Execute"/>). <see cref="Run"/> validates every array against the spec, sizes the temporaries for
/// the batch (allocating only when the batch grows), runs the method, and optionally checks the results for
/// NaN and infinity. Instances are not thread-safe: run one method at a time.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public abstract class CompiledModel<T> where T : unmanaged
{
    private readonly T[][][] _slots;
    private readonly int[] _slotBatch;
    // The spec's lists as arrays and the parameter sizes, read by every run's checks (a batch-1 step takes about a
    // microsecond, so interface calls and size products per array per run were a visible share of it).
    private readonly MethodSpec[] _methods;
    private readonly TensorSpec[][] _inputs, _outputs;
    private readonly long[] _parameterSizes;

    /// <summary>Creates the model with zero-filled parameters.</summary>
    protected CompiledModel(ModelSpec spec)
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double)) throw new NotSupportedException($"Element type {typeof(T).Name} is not supported (float or double).");
        Spec = spec ?? throw new ArgumentNullException(nameof(spec));
        Parameters = new T[spec.Parameters.Count][];
        for (int i = 0; i < Parameters.Length; i++) Parameters[i] = new T[spec.Parameters[i].Size(1)];
        _slots = new T[spec.Methods.Count][][];
        _slotBatch = new int[spec.Methods.Count];
        for (int m = 0; m < _slots.Length; m++) _slots[m] = new T[spec.Methods[m].Slots.Count][];
        _methods = new MethodSpec[spec.Methods.Count];
        _inputs = new TensorSpec[_methods.Length][];
        _outputs = new TensorSpec[_methods.Length][];
        for (int m = 0; m < _methods.Length; m++)
        {
            _methods[m] = spec.Methods[m];
            _inputs[m] = new TensorSpec[_methods[m].Inputs.Count];
            for (int i = 0; i < _inputs[m].Length; i++) _inputs[m][i] = _methods[m].Inputs[i];
            _outputs[m] = new TensorSpec[_methods[m].Outputs.Count];
            for (int i = 0; i < _outputs[m].Length; i++) _outputs[m][i] = _methods[m].Outputs[i];
        }
        _parameterSizes = new long[Parameters.Length];
        for (int i = 0; i < Parameters.Length; i++) _parameterSizes[i] = spec.Parameters[i].Size(1);
    }

    /// <summary>What the model holds and computes.</summary>
    public ModelSpec Spec { get; }

    /// <summary>Parameter (and optimizer-state) values, in <see cref="ModelSpec.Parameters"/> order. Replace contents, not arrays.</summary>
    public T[][] Parameters { get; }

    /// <summary>When on, every run checks its outputs and updated parameters and throws <see cref="NumericsException"/> on NaN or infinity.</summary>
    public bool CheckNumerics { get; set; }

    /// <summary>
    /// Process-wide switch for the vector code paths of emitted code (on by default). Off makes emitted loops
    /// take their scalar paths, so tests can check the fallback used where vector hardware is missing.
    /// </summary>
    public static bool VectorsEnabled { get; set; } = true;

    /// <summary>
    /// Runs method <paramref name="method"/> on a batch: <paramref name="inputs"/> and <paramref name="outputs"/>
    /// in the method's spec order, each array holding at least its size at this batch.
    /// </summary>
    public void Run(int method, int batch, T[][] inputs, T[][] outputs)
    {
        if ((uint)method >= (uint)_methods.Length) throw new ArgumentOutOfRangeException(nameof(method), $"Model \"{Spec.Name}\" has {Spec.Methods.Count} methods; {method} is not one of them.");
        var m = _methods[method];
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), $"{m.Name}: the batch size must be at least 1, got {batch}.");
        Check(m.Name, "input", _inputs[method], inputs, batch);
        Check(m.Name, "output", _outputs[method], outputs, batch);
        CheckParameters();
        EnsureSlots(method, batch);
        Execute(method, batch, inputs, outputs);
        if (CheckNumerics) CheckFinite(m, batch, outputs);
    }

    /// <summary>
    /// The entry of an emitted typed method (e.g. <c>TrainStep(batch, x, t, lr, loss)</c>), which checks its own array
    /// lengths: validates the batch and the parameter arrays, sizes the temporaries, and returns them.
    /// </summary>
    protected T[][] Prepare(int method, int batch)
    {
        if (batch < 1)
            throw new ArgumentOutOfRangeException(nameof(batch), $"{_methods[method].Name}: the batch size must be at least 1, got {batch}.");
        CheckParameters();
        EnsureSlots(method, batch);
        return _slots[method];
    }

    /// <summary>
    /// Throws the exception that <see cref="Run"/> would for input (or output) <paramref name="index"/> of a method: null,
    /// or too short for the batch. Emitted typed methods call it when their inline length check fails.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    protected void ThrowBadArray(int method, bool output, int index, T[]? array, int batch)
    {
        var m = Spec.Methods[method];
        var spec = output ? m.Outputs[index] : m.Inputs[index];
        string what = output ? "output" : "input";
        if (array is null) throw new ArgumentNullException(spec.Name, $"{m.Name}: {what} \"{spec.Name}\" is null.");
        throw new ArgumentException($"{m.Name}: {what} \"{spec.Name}\" {spec} needs {spec.Size(batch)} values at batch {batch}, but its array holds {array.Length}.", spec.Name);
    }

    /// <summary>
    /// The numerics check of an emitted typed method (call it when <see cref="CheckNumerics"/> is on, after the run):
    /// throws <see cref="NumericsException"/> naming the first output or updated parameter holding a NaN or infinity.
    /// </summary>
    protected void CheckFinite(int method, int batch, T[][] outputs) => CheckFinite(Spec.Methods[method], batch, outputs);

    private void CheckParameters()
    {
        for (int i = 0; i < Parameters.Length; i++)
            if (Parameters[i] is null || Parameters[i].Length != _parameterSizes[i])
                throw new InvalidOperationException($"Parameter \"{Spec.Parameters[i].Name}\" must hold exactly {Spec.Parameters[i].Size(1)} values.");
    }

    /// <summary>The emitted body of each method. Arrays are already validated; temporaries are in <see cref="Slots"/>.</summary>
    protected abstract void Execute(int method, int batch, T[][] inputs, T[][] outputs);

    /// <summary>The temporaries of a method, sized for the batch of the current run.</summary>
    protected T[][] Slots(int method) => _slots[method];

    private void EnsureSlots(int method, int batch)
    {
        if (_slotBatch[method] >= batch) return;
        var specs = Spec.Methods[method].Slots;
        var slots = _slots[method];
        for (int s = 0; s < slots.Length; s++)
        {
            long cap = specs[s].Capacity(batch);
            if (cap > int.MaxValue) throw new OutOfMemoryException($"{Spec.Methods[method].Name}: temporary slot {s} would need {cap} elements at batch {batch}.");
            if (slots[s] is null || slots[s].Length < cap) slots[s] = new T[cap];
        }
        _slotBatch[method] = batch;
    }

    private static void Check(string method, string what, TensorSpec[] specs, T[][] arrays, int batch)
    {
        if (arrays is null) throw new ArgumentNullException(what + "s", $"{method}: the {what} arrays are null.");
        if (arrays.Length != specs.Length) throw new ArgumentException($"{method} takes {specs.Length} {what}(s), got {arrays.Length}.");
        for (int i = 0; i < specs.Length; i++)
        {
            long need = specs[i].Size(batch);
            if (arrays[i] is null) throw new ArgumentNullException(what + "s", $"{method}: {what} \"{specs[i].Name}\" is null.");
            if (arrays[i].Length < need)
                throw new ArgumentException($"{method}: {what} \"{specs[i].Name}\" {specs[i]} needs {need} values at batch {batch}, but its array holds {arrays[i].Length}.");
        }
    }

    private void CheckFinite(MethodSpec m, int batch, T[][] outputs)
    {
        for (int i = 0; i < outputs.Length; i++)
            if (FirstNonFinite(outputs[i], m.Outputs[i].Size(batch)) is long at and >= 0)
                throw new NumericsException($"{m.Name}: output \"{m.Outputs[i].Name}\" has {(IsNaN(outputs[i][at]) ? "NaN" : "an infinity")} at element {at}.");
        foreach (var name in m.Updates)
        {
            int p = Spec.ParameterIndex(name);
            if (FirstNonFinite(Parameters[p], Parameters[p].Length) is long at and >= 0)
                throw new NumericsException($"{m.Name}: updated parameter \"{name}\" has {(IsNaN(Parameters[p][at]) ? "NaN" : "an infinity")} at element {at}.");
        }
    }

    private static long FirstNonFinite(T[] a, long n)
    {
        for (long i = 0; i < n; i++)
        {
            double v = typeof(T) == typeof(float) ? Unsafe.As<T, float>(ref a[i]) : Unsafe.As<T, double>(ref a[i]);
            if (double.IsNaN(v) || double.IsInfinity(v)) return i;
        }
        return -1;
    }

    private static bool IsNaN(T v) => typeof(T) == typeof(float) ? float.IsNaN(Unsafe.As<T, float>(ref v)) : double.IsNaN(Unsafe.As<T, double>(ref v));
}
