using System;
using System.Collections.Generic;

namespace Nabla.Runtime;

/// <summary>A tensor a compiled method reads or writes: a name and dimensions, <c>-1</c> marking the batch.</summary>
public sealed class TensorSpec
{
    private readonly int[] _shape;

    /// <summary>Creates a spec; dimensions are sizes ≥ 0 or -1 (the batch).</summary>
    public TensorSpec(string name, int[] shape)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        _shape = (int[])shape.Clone();
        foreach (var d in _shape)
            if (d < -1) throw new ArgumentException($"Tensor \"{name}\": invalid dimension {d}.");
        _fixed = 1;
        foreach (var d in _shape)
        {
            if (d == -1) { _batchDims++; continue; }
            _fixed = d > 0 && _fixed > long.MaxValue / d ? long.MaxValue : _fixed * d;
        }
    }

    // The product of the fixed dimensions (saturated) and the number of batch dimensions, so that Size — which every
    // run checks each array against — needs no loop and no division in the usual case of at most one batch dimension.
    private readonly long _fixed;
    private readonly int _batchDims;

    /// <summary>
    /// Creates the spec of a tensor that holds i32 values (indices, class labels) when <paramref name="integer"/>. A
    /// compiled model has one element type, so such a tensor is passed in the model's float or double arrays, holding
    /// exact integers (up to 2²⁴ in float); the kernels that read indices check each one and throw an
    /// <see cref="ArgumentOutOfRangeException"/> naming the op, the value and the valid range otherwise.
    /// </summary>
    public TensorSpec(string name, int[] shape, bool integer) : this(name, shape) { IsInteger = integer; }

    /// <summary>True when the tensor holds i32 values (see <see cref="TensorSpec(string, int[], bool)"/>).</summary>
    public bool IsInteger { get; }

    /// <summary>The tensor's name (an input, output or parameter name).</summary>
    public string Name { get; }
    /// <summary>The dimensions; -1 is the batch.</summary>
    public IReadOnlyList<int> Shape => _shape;
    /// <summary>True when some dimension is the batch.</summary>
    public bool HasBatch => Array.IndexOf(_shape, -1) >= 0;

    /// <summary>The number of elements at a batch size; <see cref="long.MaxValue"/> when that is beyond 64 bits.</summary>
    public long Size(int batch)
    {
        if (_batchDims == 0) return _fixed;
        // One batch dimension, both factors below 2^31: the exact product, which the loop below would also give.
        if (_batchDims == 1 && batch >= 0 && _fixed <= int.MaxValue) return _fixed * batch;
        long s = 1;
        foreach (var d in _shape)
        {
            long k = d == -1 ? batch : d;
            s = k > 0 && s > long.MaxValue / k ? long.MaxValue : s * k;
        }
        return s;
    }

    /// <summary><c>x[B,40]</c> (<c>x[B,40] i32</c> for integers).</summary>
    public override string ToString() => $"{Name}[{string.Join(",", Array.ConvertAll(_shape, d => d == -1 ? "B" : d.ToString()))}]" + (IsInteger ? " i32" : "");
}

/// <summary>A temporary memory slot of a method: its capacity is the largest of <c>Factors[i]·B^Powers[i]</c>.</summary>
public sealed class SlotSpec
{
    private readonly long[] _factors;
    private readonly int[] _powers;

    /// <summary>Creates a slot spec from matching lists of factors and batch powers.</summary>
    public SlotSpec(long[] factors, int[] powers)
    {
        if (factors.Length != powers.Length || factors.Length == 0) throw new ArgumentException("A slot needs one or more (factor, power) sizes.");
        _factors = (long[])factors.Clone(); _powers = (int[])powers.Clone();
    }

    /// <summary>Elements the slot must hold at a batch size; <see cref="long.MaxValue"/> when that is beyond 64 bits.</summary>
    public long Capacity(int batch)
    {
        long max = 0;
        for (int i = 0; i < _factors.Length; i++)
        {
            long v = _factors[i];
            for (int p = 0; p < _powers[i]; p++)
                v = batch > 0 && v > long.MaxValue / batch ? long.MaxValue : v * batch;
            if (v > max) max = v;
        }
        return max;
    }
}

/// <summary>One compiled method (e.g. <c>Forward</c>, <c>TrainStep</c>): its inputs, outputs, updated parameters and temporaries.</summary>
public sealed class MethodSpec
{
    /// <summary>Creates a method spec.</summary>
    public MethodSpec(string name, TensorSpec[] inputs, TensorSpec[] outputs, string[] updates, SlotSpec[] slots)
    {
        Name = name; Inputs = inputs; Outputs = outputs; Updates = updates; Slots = slots;
    }

    /// <summary>The method's name.</summary>
    public string Name { get; }
    /// <summary>Inputs, in the order <see cref="CompiledModel{T}.Run"/> takes them.</summary>
    public IReadOnlyList<TensorSpec> Inputs { get; }
    /// <summary>Outputs, in the order <see cref="CompiledModel{T}.Run"/> takes them.</summary>
    public IReadOnlyList<TensorSpec> Outputs { get; }
    /// <summary>Names of the parameters the method overwrites in place (a training step's weights and optimizer state).</summary>
    public IReadOnlyList<string> Updates { get; }
    /// <summary>The temporaries' memory slots.</summary>
    public IReadOnlyList<SlotSpec> Slots { get; }

    /// <summary>The position of the input called <paramref name="name"/>, or -1.</summary>
    public int InputIndex(string name) { for (int i = 0; i < Inputs.Count; i++) if (Inputs[i].Name == name) return i; return -1; }
    /// <summary>The position of the output called <paramref name="name"/>, or -1.</summary>
    public int OutputIndex(string name) { for (int i = 0; i < Outputs.Count; i++) if (Outputs[i].Name == name) return i; return -1; }
}

/// <summary>What a compiled model holds: its element type, parameters (shared by all methods) and methods.</summary>
public sealed class ModelSpec
{
    /// <summary>Creates a model spec.</summary>
    public ModelSpec(string name, string dtype, TensorSpec[] parameters, MethodSpec[] methods)
    {
        Name = name; DType = dtype; Parameters = parameters; Methods = methods;
        foreach (var p in parameters)
            if (p.HasBatch) throw new ArgumentException($"Parameter \"{p.Name}\" cannot have the batch dimension.");
    }

    /// <summary>The model's name.</summary>
    public string Name { get; }
    /// <summary><c>f32</c> or <c>f64</c>.</summary>
    public string DType { get; }
    /// <summary>Parameters and optimizer state, in the order of <see cref="CompiledModel{T}.Parameters"/>.</summary>
    public IReadOnlyList<TensorSpec> Parameters { get; }
    /// <summary>The methods, in the order of their indices.</summary>
    public IReadOnlyList<MethodSpec> Methods { get; }

    /// <summary>The index of the method called <paramref name="name"/>.</summary>
    public int MethodIndex(string name)
    {
        for (int i = 0; i < Methods.Count; i++) if (Methods[i].Name == name) return i;
        var names = new List<string>(); foreach (var m in Methods) names.Add(m.Name);
        throw new ArgumentException($"Model \"{Name}\" has no method \"{name}\" (methods: {string.Join(", ", names)}).");
    }

    /// <summary>The index of the parameter called <paramref name="name"/>, or -1.</summary>
    public int ParameterIndex(string name) { for (int i = 0; i < Parameters.Count; i++) if (Parameters[i].Name == name) return i; return -1; }
}
