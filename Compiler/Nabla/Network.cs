using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Runtime;
using Nabla.Lowering;
using Nabla.Analysis;

namespace Nabla;

/// <summary>
/// A <see cref="Model"/> bound to a compiled model (from <c>Nabla.Jit</c>, a class the source generator wrote, or a model
/// DLL from <c>nabla build</c>) through its <see cref="TrainingSignature"/>: the run-time object that predicts, evaluates
/// and trains.
/// <list type="bullet">
/// <item>It owns its parameter values (the compiled model's arrays), copied from the model's <see cref="ParameterStore"/>
/// when it is bound: several networks bound to one model train independently. Read and write them with
/// <see cref="ParameterValues"/>, <see cref="SnapshotParameters"/> and <see cref="RestoreParameters"/>; copy the trained
/// weights back into the DSL model with <see cref="CopyParametersTo"/>.</item>
/// <item>It owns the optimizer state (<see cref="State"/>), counts the steps taken (<see cref="Step"/>) and draws the
/// dropout masks of each training step from a generator seeded by <see cref="DropoutSeed"/> and the step number, so a
/// run resumed from a checkpoint draws the same masks as an uninterrupted one.</item>
/// <item><see cref="Predict(float[], int, float[])"/>, <see cref="Evaluate(float[], float[], int)"/> and
/// <see cref="TrainStep(float[], float[], int)"/> reuse preallocated argument and output arrays: after the first
/// call at the largest batch a step allocates nothing.</item>
/// </list>
/// Not thread-safe: run one call at a time.
/// </summary>
public sealed partial class Network
{
    private readonly int _forward, _evaluate, _train;
    private readonly Call _fwd, _eval, _step;
    private readonly int[] _stateIndex;
    private readonly int[] _paramIndex;
    private readonly float[][] _maskArrays;
    private readonly int[] _maskPerExample;
    private readonly int[] _outputPerExample;
    private readonly float[] _lr = new float[1];
    private int _capacity;

    private Network(Model model, CompiledModel<float> compiled, TrainingSignature signature, long dropoutSeed)
    {
        Model = model; Compiled = compiled; Signature = signature; DropoutSeed = dropoutSeed;
        var spec = compiled.Spec;
        _forward = spec.MethodIndex(TrainingSignature.ForwardMethod);
        _evaluate = spec.MethodIndex(TrainingSignature.EvaluateMethod);
        _train = spec.MethodIndex(TrainingSignature.TrainStepMethod);
        _outputPerExample = signature.Outputs.Select(o => PerExample(o.Shape)).ToArray();
        _maskPerExample = signature.Masks.Select(m => PerExample(m.Shape)).ToArray();
        _maskArrays = new float[signature.Masks.Count][];
        _fwd = new Call(spec.Methods[_forward]);
        _eval = new Call(spec.Methods[_evaluate]);
        _step = new Call(spec.Methods[_train]);
        _stateIndex = signature.State.Select(s => spec.ParameterIndex(s.Name)).ToArray();
        _paramIndex = signature.Parameters.Select(p => spec.ParameterIndex(p.Name)).ToArray();
        if (signature.SplitStep)
        {
            _computeGradients = spec.MethodIndex(TrainingSignature.ComputeGradientsMethod);
            _applyUpdate = spec.MethodIndex(TrainingSignature.ApplyUpdateMethod);
            _grad = new Call(spec.Methods[_computeGradients]);
            _update = new Call(spec.Methods[_applyUpdate]);
            _gradients = new float[signature.GradientLength + GradientSpare];
            _grad.SetOutput(TrainingSignature.GradientsName, _gradients);
            _update.Set(TrainingSignature.GradientsName, _gradients);
            _update.Set(signature.LearningRateInput, _lr);
        }
        LoadParametersFrom(model.Parameters);
        _step.Set(signature.LearningRateInput, _lr);
        ResetOptimizer();
        EnsureCapacity(1);
    }

    /// <summary>
    /// Binds <paramref name="model"/> to <paramref name="compiled"/>, checking that the compiled model is the lowering of
    /// this model described by <paramref name="signature"/>: every method, input, output, parameter and state tensor by
    /// name and shape, and the trainable flags (a layer frozen after compiling needs a new compile). The error names the
    /// first thing that does not match. Optimizer state starts at its initial values; the step count at 0.
    /// </summary>
    public static Network Bind(Model model, CompiledModel<float> compiled, TrainingSignature signature, long dropoutSeed = 0)
    {
        if (model is null) throw new ArgumentNullException(nameof(model));
        if (compiled is null) throw new ArgumentNullException(nameof(compiled));
        if (signature is null) throw new ArgumentNullException(nameof(signature));
        NetworkValidation.Check(model, compiled.Spec, signature);
        return new Network(model, compiled, signature, dropoutSeed);
    }

    /// <summary>The DSL model the network was bound to (its <see cref="Model.Parameters"/> hold the initial weights until <see cref="CopyParametersTo"/>).</summary>
    public Model Model { get; }
    /// <summary>The compiled model.</summary>
    public CompiledModel<float> Compiled { get; }
    /// <summary>The names and shapes the network binds by.</summary>
    public TrainingSignature Signature { get; }
    /// <summary>The number of training steps taken (since construction, <see cref="ResetOptimizer"/> or the loaded checkpoint).</summary>
    public long Step { get; set; }
    /// <summary>The seed of the dropout masks: step k draws its masks from a stream seeded by (this seed, k).</summary>
    public long DropoutSeed { get; set; }
    /// <summary>The optimizer state tensors (names, shapes, initial values).</summary>
    public IReadOnlyList<StateInfo> State => Signature.State;
    /// <summary>When on, every call checks outputs and updated tensors for NaN and infinity (slower; off by default).</summary>
    public bool CheckNumerics { get => Compiled.CheckNumerics; set => Compiled.CheckNumerics = value; }
    /// <summary>The width of each example of output <paramref name="index"/> (10 for logits [B,10]).</summary>
    public int OutputWidth(int index = 0) => _outputPerExample[index];
    /// <summary>The number of values per example of input <paramref name="index"/> (40 for x [B,40]).</summary>
    public int InputWidth(int index = 0) => PerExample(Signature.Inputs[index].Shape);
    /// <summary>The number of values per example of target <paramref name="index"/> (10 for one-hot t [B,10]).</summary>
    public int TargetWidth(int index = 0) => PerExample(Signature.Targets[index].Shape);

    /// <summary>
    /// The live values of parameter <paramref name="name"/> (PyTorch name, e.g. <c>0.weight</c>, row-major [out, in]): the
    /// array the compiled model reads and updates. Buffers are read the same way (<c>1.running_mean</c>). A parameter no
    /// compiled method uses gets a private array.
    /// </summary>
    public float[] ParameterValues(string name)
    {
        for (int i = 0; i < Signature.Parameters.Count; i++)
            if (Signature.Parameters[i].Name == name) return ParameterArray(i);
        throw new KeyNotFoundException($"The network has no parameter \"{name}\"; it has: {string.Join(", ", Signature.Parameters.Select(p => p.Name))}.");
    }

    /// <summary>A deep copy of every parameter's values by name (e.g. to restore the best weights later).</summary>
    public Dictionary<string, float[]> SnapshotParameters()
    {
        var d = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (int i = 0; i < Signature.Parameters.Count; i++) d[Signature.Parameters[i].Name] = (float[])ParameterArray(i).Clone();
        return d;
    }

    /// <summary>
    /// Writes back values taken by <see cref="SnapshotParameters"/>: every name must be a parameter and every array the
    /// parameter's size (checked before anything is written).
    /// </summary>
    public void RestoreParameters(IReadOnlyDictionary<string, float[]> snapshot)
    {
        if (snapshot is null) throw new ArgumentNullException(nameof(snapshot));
        foreach (var kv in snapshot)
        {
            var target = ParameterValues(kv.Key);
            if (kv.Value is null || kv.Value.Length != target.Length)
                throw new ArgumentException($"Parameter \"{kv.Key}\" holds {target.Length} values; the snapshot has {kv.Value?.Length ?? 0}.", nameof(snapshot));
        }
        foreach (var kv in snapshot) Array.Copy(kv.Value, ParameterValues(kv.Key), kv.Value.Length);
    }

    /// <summary>Copies the network's current parameter values into <paramref name="store"/> (normally <see cref="Model"/>'s, so the DSL model holds the trained weights).</summary>
    public void CopyParametersTo(ParameterStore store)
    {
        if (store is null) throw new ArgumentNullException(nameof(store));
        for (int i = 0; i < Signature.Parameters.Count; i++) store.Set(Signature.Parameters[i].Name, Signature.Parameters[i].Shape, ParameterArray(i));
    }

    /// <summary>Copies every parameter's values from <paramref name="store"/> (same names and shapes) into the network.</summary>
    public void LoadParametersFrom(ParameterStore store)
    {
        if (store is null) throw new ArgumentNullException(nameof(store));
        for (int i = 0; i < Signature.Parameters.Count; i++)
        {
            var info = Signature.Parameters[i];
            if (!store.TryGet(info.Name, out var p) || p is null)
                throw new KeyNotFoundException($"The parameter store has no parameter \"{info.Name}\" {TrainingSignature.Format(info.Name, info.Shape)}.");
            if (!p.Shape.Dims.SequenceEqual(info.Shape))
                throw new ArgumentException($"Parameter \"{info.Name}\" is {p.Shape} in the store but {TrainingSignature.Format(info.Name, info.Shape)} in the network.");
            Array.Copy(p.Data, ParameterArray(i), p.Data.Length);
        }
    }

    private float[] ParameterArray(int i)
    {
        if (_paramIndex[i] >= 0) return Compiled.Parameters[_paramIndex[i]];
        _unused ??= new Dictionary<int, float[]>();
        if (!_unused.TryGetValue(i, out var a)) _unused[i] = a = new float[PerExample(Signature.Parameters[i].Shape)];
        return a;
    }

    private Dictionary<int, float[]>? _unused;

    /// <summary>The live values of the state tensor <paramref name="name"/> (the compiled model's own array).</summary>
    public float[] StateValues(string name)
    {
        for (int i = 0; i < Signature.State.Count; i++)
            if (Signature.State[i].Name == name) return Compiled.Parameters[_stateIndex[i]];
        throw new KeyNotFoundException($"The network has no optimizer state \"{name}\"; it has: {(Signature.State.Count == 0 ? "none" : string.Join(", ", Signature.State.Select(s => s.Name)))}.");
    }

    /// <summary>Sets every optimizer state tensor to its initial value and the step count to 0 (weights are kept).</summary>
    public void ResetOptimizer()
    {
        for (int i = 0; i < _stateIndex.Length; i++)
            Array.Fill(Compiled.Parameters[_stateIndex[i]], (float)Signature.State[i].Initial);
        Step = 0;
    }

    /// <summary>The model summary followed by the compiled methods' signatures.</summary>
    public override string ToString() => Model.Summary + "\n" + Signature;

    private static int PerExample(IReadOnlyList<int> shape)
    {
        long n = 1;
        foreach (var d in shape) if (d != -1) n *= d;
        return checked((int)n);
    }

    /// <summary>The argument arrays of one compiled method, with a name → position map for its inputs and outputs.</summary>
    private sealed class Call
    {
        public Call(MethodSpec m)
        {
            Method = m;
            Inputs = new float[m.Inputs.Count][];
            Outputs = new float[m.Outputs.Count][];
        }

        public MethodSpec Method { get; }
        public float[][] Inputs { get; }
        public float[][] Outputs { get; }

        /// <summary>Puts <paramref name="array"/> at the input called <paramref name="name"/> (no-op when the method does not read it).</summary>
        public void Set(string name, float[] array)
        {
            int i = Method.InputIndex(name);
            if (i >= 0) Inputs[i] = array;
        }

        /// <summary>Puts <paramref name="array"/> at the output called <paramref name="name"/> (no-op when the method has no such output).</summary>
        public void SetOutput(string name, float[] array)
        {
            int i = Method.OutputIndex(name);
            if (i >= 0) Outputs[i] = array;
        }
    }
}
