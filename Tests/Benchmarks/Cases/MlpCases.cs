using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Nabla.Ir;
using Nabla.Lowering;
using Nabla.Runtime;

namespace Nabla.Benchmarks.Cases;

/// <summary>
/// The MNIST-1D MLP cases (and <c>mlp-784-1024-1024-10</c>) for both run-time backends, compiled the way a user's model
/// is: written with the DSL (<c>new Sequential(new Dense(40, 100), new ReLU(), …)</c>), built by <see cref="Model.Build(Module, int, long, InitScheme?)"/>,
/// lowered by <see cref="Lowerer.Lower"/> with <see cref="TrainingSetup.Classification"/> (softmax cross-entropy on
/// one-hot targets, mean over the batch) and <see cref="Nabla.Optimizer.Sgd"/> or <see cref="Nabla.Optimizer.Adam"/>
/// (PyTorch's defaults; the bias corrections come from the step count the model keeps as optimizer state), compiled by
/// <see cref="Jit.CompileModel(LoweredModel, Nabla.Backend)"/> (what <c>model.Compile(setup, backend)</c> calls) and bound as a
/// <see cref="Network"/>. The measured call is <see cref="Network.TrainStep(float[][], float[][], int)"/> or
/// <see cref="Network.Predict(float[][], int, float[][])"/>: the step a user runs. As PyTorch's script
/// (<c>torch_bench.py</c>) does, the calls cycle through distinct batches of N(0, 1) inputs and random classes
/// (<see cref="Sets"/>), at learning rate 1e-3.
/// </summary>
public static class MlpCases
{
    /// <summary>
    /// Distinct input batches cycled through: 4,096 distinct examples, at least 8 batches (as <c>mlp_sets</c> in
    /// <c>torch_bench.py</c>). With fewer examples the step time drifts with training progress — measured on Roslyn's
    /// Adam step at batch 1: 30–37 µs cycling 8 examples, 23–25 µs cycling 4,096, same build, same sitting — most likely
    /// because a memorized set's gradients shrink until Adam's moments are float denormals, whose arithmetic is slow.
    /// </summary>
    public static int Sets(int batch) => Math.Max(8, 4096 / batch);

    /// <summary>The learning rate of both optimizers (as <c>torch_bench.py</c>).</summary>
    public const double LearningRate = 1e-3;

    /// <summary>The seed of the DSL model's initial weights.</summary>
    public const long Seed = 1;

    /// <summary>
    /// The cases of one backend, each at 1 and 2 threads: 40-100-100-10 SGD and Adam steps at batches 1, 32, 128 and 4000;
    /// 40-298-10, 40-75-75-75-10 and 40-63-63-63-63-10 SGD and Adam steps at 128; 784-1024-1024-10 SGD and Adam at 256;
    /// 40-100-100-10 forward passes at 1, 32 and 128.
    /// </summary>
    public static IEnumerable<IBenchCase> All(Backend backend)
    {
        var list = new List<(string Model, int Batch, string Op, string? Optimizer)>();
        foreach (int b in new[] { 1, 32, 128, 4000 })
            foreach (var opt in new[] { "sgd", "adam" }) list.Add(("mlp-40-100-100-10", b, "train_step", opt));
        foreach (var m in new[] { "mlp-40-298-10", "mlp-40-75-75-75-10", "mlp-40-63-63-63-63-10" })
            foreach (var opt in new[] { "sgd", "adam" }) list.Add((m, 128, "train_step", opt));
        foreach (var opt in new[] { "sgd", "adam" }) list.Add(("mlp-784-1024-1024-10", 256, "train_step", opt));
        foreach (int b in new[] { 1, 32, 128 }) list.Add(("mlp-40-100-100-10", b, "forward", null));
        foreach (var (m, b, op, opt) in list)
            foreach (int t in new[] { 1, 2 })
                yield return new MlpCase(backend, m, b, op, opt, t);
    }

    /// <summary>"mlp-40-100-100-10" → { 40, 100, 100, 10 }; the error names the case.</summary>
    public static int[] Widths(string name)
    {
        var parts = name.StartsWith("mlp-", StringComparison.Ordinal) ? name.Substring(4).Split('-') : Array.Empty<string>();
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], out widths[i]) || widths[i] <= 0) widths = Array.Empty<int>();
        if (widths.Length < 2) throw new ArgumentException($"\"{name}\" is not an MLP case name such as mlp-40-100-100-10.");
        return widths;
    }

    /// <summary>
    /// The MLP written with the DSL — <c>Sequential(Dense(w0, w1), ReLU(), …, Dense(wₙ₋₁, wₙ))</c>, parameters named as
    /// PyTorch's <c>nn.Sequential</c> (<c>0.weight</c>, <c>0.bias</c>, <c>2.weight</c>, …), He-initialized from <see cref="Seed"/> —
    /// lowered for classification training with <paramref name="optimizer"/> (<c>sgd</c> or <c>adam</c>) at <see cref="LearningRate"/>.
    /// </summary>
    public static (Model Model, LoweredModel Lowered) Lower(int[] widths, string optimizer)
    {
        var layers = new List<Module>();
        for (int i = 0; i + 1 < widths.Length; i++)
        {
            if (i > 0) layers.Add(new ReLU());
            layers.Add(new Dense(widths[i], widths[i + 1]));
        }
        var model = Model.Build(new Sequential(layers.ToArray()), widths[0], seed: Seed);
        Nabla.Optimizer opt = optimizer switch
        {
            "sgd" => Nabla.Optimizer.Sgd(LearningRate),
            "adam" => Nabla.Optimizer.Adam(LearningRate),
            _ => throw new ArgumentException($"Unknown optimizer \"{optimizer}\" (sgd or adam)."),
        };
        return (model, Lowerer.Lower(model, TrainingSetup.Classification(opt)));
    }

    /// <summary>
    /// Random data for every input and target of <paramref name="signature"/>, <paramref name="sets"/> times: inputs
    /// N(0, 1); probability-row targets [B, C] one-hot; class-index targets one index below their limit per example.
    /// Throws, naming it, on a target of another form (the MLP cases know no other).
    /// </summary>
    public static (float[][] Inputs, float[][] Targets)[] Data(TrainingSignature signature, int batch, int sets, int seed)
    {
        var rng = new Random(seed);
        var result = new (float[][], float[][])[sets];
        for (int s = 0; s < sets; s++)
        {
            var inputs = signature.Inputs.Select(i => Gaussian(rng, batch * PerExample(i.Shape))).ToArray();
            var targets = signature.Targets.Select(t => Target(rng, t, batch)).ToArray();
            result[s] = (inputs, targets);
        }
        return result;
    }

    private static float[] Target(Random rng, TensorInfo t, int batch)
    {
        int per = PerExample(t.Shape);
        if (t.HoldsIndices && per == 1 && t.IndexLimit is int limit)
            return Enumerable.Range(0, batch).Select(_ => (float)rng.Next(limit)).ToArray();
        if (!t.HoldsIndices && t.Shape.Count == 2 && t.Shape[0] == -1)
        {
            var a = new float[batch * per];
            for (int r = 0; r < batch; r++) a[r * per + rng.Next(per)] = 1;
            return a;
        }
        throw new InvalidOperationException($"Unexpected target {t}: the MLP cases fill one-hot rows [B, classes] or class indices [B].");
    }

    private static float[] Gaussian(Random rng, int n)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        return a;
    }

    internal static int PerExample(IReadOnlyList<int> shape)
    {
        int n = 1;
        foreach (int d in shape) if (d != -1) n *= d;
        return n;
    }
}

/// <summary>One MLP method (training step or forward pass) of one backend at one batch size; see <see cref="MlpCases"/>.</summary>
public sealed class MlpCase : IBenchCase
{
    // One compiled model per (MLP, optimizer, backend), shared by its batch sizes, thread counts and the forward pass
    // (which runs the Forward method of the SGD lowering), with what compiling it cost.
    private static readonly Dictionary<string, (LoweredModel Lowered, CompiledModel<float> Compiled, double Ms)> Compiled = new();

    private readonly Backend _backend;
    private readonly int[] _widths;
    private Network? _net;
    private (float[][] Inputs, float[][] Targets)[] _sets = Array.Empty<(float[][], float[][])>();
    private float[][] _outputs = Array.Empty<float[]>();
    private int _step;

    /// <summary>Creates a case; <paramref name="optimizer"/> is null for a forward pass.</summary>
    public MlpCase(Backend backend, string model, int batch, string op, string? optimizer, int threads)
    {
        if (op != "train_step" && op != "forward") throw new ArgumentException($"Unknown MLP op \"{op}\" (train_step or forward).");
        if ((op == "forward") != (optimizer is null)) throw new ArgumentException($"{model}/{op}: a training step needs an optimizer, a forward pass none.");
        _backend = backend; Name = model; Batch = batch; Op = op; Optimizer = optimizer; Threads = threads;
        _widths = MlpCases.Widths(model);
    }

    /// <inheritdoc/>
    public string Name { get; }
    /// <inheritdoc/>
    public string Op { get; }
    /// <inheritdoc/>
    public string? Optimizer { get; }
    /// <inheritdoc/>
    public int Batch { get; }
    /// <inheritdoc/>
    public string DType => "f32";
    /// <inheritdoc/>
    public int Threads { get; }
    /// <inheritdoc/>
    public string Backend => _backend == Nabla.Backend.Roslyn ? "roslyn" : "expressions";
    /// <inheritdoc/>
    public double FlopsPerCall
    {
        get
        {
            double macs = 0;
            for (int i = 0; i + 1 < _widths.Length; i++) macs += (double)_widths[i] * _widths[i + 1];
            return (Op == "forward" ? 2 : 6) * macs * Batch;
        }
    }
    /// <inheritdoc/>
    public int SamplesPerCall => Batch;
    /// <summary>
    /// Milliseconds from the DSL model to a bound network that has run one step: lowering, compiling and binding.
    /// Roslyn: the first compile of this model in the process (the first of all includes Roslyn's own JIT). Expressions:
    /// measured warm, after one build of the same model (which pays the JIT of Nabla's compiler code).
    /// </summary>
    public double? CompileMs { get; private set; }

    /// <inheritdoc/>
    public void Setup()
    {
        string opt = Optimizer ?? "sgd";
        string key = $"{Name}/{opt}/{Backend}";
        if (!Compiled.TryGetValue(key, out var c))
        {
            if (_backend == Nabla.Backend.Expressions) Build(opt); // warm-up build: the JIT of the compiler itself
            Compiled[key] = c = Build(opt);
        }
        CompileMs = c.Ms;
        _net = Bind(c.Lowered, c.Compiled);
        _sets = MlpCases.Data(c.Lowered.Signature, Batch, MlpCases.Sets(Batch), seed: 1);
        _outputs = c.Lowered.Signature.Outputs.Select(o => new float[Batch * MlpCases.PerExample(o.Shape)]).ToArray();
        _step = 0;
    }

    // Lowers, compiles, binds and runs one step (or forward pass): what CompileMs measures.
    private (LoweredModel, CompiledModel<float>, double) Build(string optimizer)
    {
        var clock = Stopwatch.StartNew();
        var (_, lowered) = MlpCases.Lower(_widths, optimizer);
        var compiled = Jit.CompileModel(lowered, _backend);
        var net = Bind(lowered, compiled);
        var data = MlpCases.Data(lowered.Signature, Batch, 1, seed: 1)[0];
        if (Op == "forward") net.Predict(data.Inputs, Batch, lowered.Signature.Outputs.Select(o => new float[Batch * MlpCases.PerExample(o.Shape)]).ToArray());
        else net.TrainStep(data.Inputs, data.Targets, Batch);
        return (lowered, compiled, clock.Elapsed.TotalMilliseconds);
    }

    // A network on the compiled model with the DSL model's initial weights and fresh optimizer state; checks that the
    // measured method reads nothing the signature does not describe (inputs, targets, dropout masks, the learning rate).
    private Network Bind(LoweredModel lowered, CompiledModel<float> compiled)
    {
        var sig = lowered.Signature;
        var method = compiled.Spec.Methods[compiled.Spec.MethodIndex(Op == "forward" ? TrainingSignature.ForwardMethod : TrainingSignature.TrainStepMethod)];
        var known = sig.Inputs.Select(i => i.Name).Concat(sig.Targets.Select(t => t.Name)).Concat(sig.Masks.Select(m => m.Name)).Append(sig.LearningRateInput);
        foreach (var input in method.Inputs)
            if (!known.Contains(input.Name))
                throw new InvalidOperationException($"{BenchRunner.Id(this)}: method {method.Name} reads input \"{input.Name}\", which the training signature does not describe.");
        return Network.Bind(lowered.Model, compiled, sig);
    }

    /// <inheritdoc/>
    public void Run()
    {
        var (inputs, targets) = _sets[_step];
        _step = _step + 1 == _sets.Length ? 0 : _step + 1;
        if (Op == "forward") _net!.Predict(inputs, Batch, _outputs);
        else _net!.TrainStep(inputs, targets, Batch);
    }

    /// <inheritdoc/>
    public void Teardown()
    {
        _net = null;
        _sets = Array.Empty<(float[][], float[][])>();
        _outputs = Array.Empty<float[]>();
    }
}
