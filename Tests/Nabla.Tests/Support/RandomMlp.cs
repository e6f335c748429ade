using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Ir;

namespace Nabla.Tests.Support;

/// <summary>What <see cref="RandomMlp"/> may generate.</summary>
public sealed class MlpOptions
{
    /// <summary>The most hidden layers (0 gives logistic regression). Default 3.</summary>
    public int MaxHidden { get; init; } = 3;
    /// <summary>The widest hidden layer. Default 8.</summary>
    public int MaxWidth { get; init; } = 8;
    /// <summary>The most input features. Default 6.</summary>
    public int MaxInputs { get; init; } = 6;
    /// <summary>The most classes (at least 2). Default 4.</summary>
    public int MaxClasses { get; init; } = 4;
    /// <summary>The largest batch. Default 5.</summary>
    public int MaxBatch { get; init; } = 5;
    /// <summary>Element type of the graph. Default float32, as networks run.</summary>
    public DType DType { get; init; } = DType.F32;
    /// <summary>The SGD learning rate of the update. Default 0.1.</summary>
    public double LearningRate { get; init; } = 0.1;
    /// <summary>The least |pre-activation| of a ReLU unit over the batch (biases are nudged to keep it). Default 0.02.</summary>
    public double Margin { get; init; } = 0.02;
}

/// <summary>
/// A generated multi-layer perceptron training step: Dense layers x·Wᵀ + b named as PyTorch's <c>nn.Sequential</c>
/// names them (<c>"0.weight"</c> [out,in], <c>"0.bias"</c> [out], then <c>"2.weight"</c>...), ReLU or tanh between them,
/// softmax cross-entropy averaged over the batch, its gradients, and the SGD update of every parameter.
/// </summary>
public sealed class MlpCase
{
    internal MlpCase(int[] recipe, int[] sizes, string activation, int batch, Function step, Function forward,
        Dictionary<string, Tensor> bindings, IReadOnlyList<string> paramNames, double learningRate)
    {
        Recipe = recipe; Sizes = sizes; Activation = activation; Batch = batch; Step = step; Forward = forward;
        Bindings = bindings; ParamNames = paramNames; LearningRate = learningRate;
    }

    /// <summary>The recipe it was built from.</summary>
    public int[] Recipe { get; }
    /// <summary>Layer widths: inputs, hidden layers, classes.</summary>
    public int[] Sizes { get; }
    /// <summary><c>relu</c> or <c>tanh</c>.</summary>
    public string Activation { get; }
    /// <summary>The run-time batch size.</summary>
    public int Batch { get; }
    /// <summary>
    /// The training step: outputs <c>loss</c> (scalar) and <c>d/dNAME</c> per parameter; updates NAME ← NAME − lr·d/dNAME.
    /// Inputs <c>x</c> [B,in] and one-hot <c>t</c> [B,classes].
    /// </summary>
    public Function Step { get; }
    /// <summary>Inference: the output <c>logits</c> [B,classes] from the input <c>x</c>.</summary>
    public Function Forward { get; }
    /// <summary>Values for <c>x</c>, <c>t</c> and every parameter.</summary>
    public Dictionary<string, Tensor> Bindings { get; }
    /// <summary>The parameter names in layer order (weight, bias, weight, bias...).</summary>
    public IReadOnlyList<string> ParamNames { get; }
    /// <summary>The SGD learning rate used by the updates.</summary>
    public double LearningRate { get; }

    /// <summary>The architecture, the step function in printer form and the batch size.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.AppendLine().Append("mlp ").Append(string.Join("-", Sizes)).Append(' ').Append(Activation)
          .Append(" batch ").Append(Batch).AppendLine();
        sb.Append(Printer.Print(Step));
        sb.Append("recipe = [").Append(string.Join(",", Recipe)).Append(']');
        return sb.ToString();
    }
}

/// <summary>FsCheck generators of random MLP training steps (see <see cref="MlpCase"/>), for backend agreement tests.</summary>
public static class RandomMlp
{
    private static readonly Gen<int[]> RecipeGen = FsCheck.Fluent.Gen.Choose(0, 9999).ArrayOf(16);

    /// <summary>Random MLP cases.</summary>
    public static Gen<MlpCase> Gen(MlpOptions? options = null)
    {
        var o = options ?? new MlpOptions();
        return RecipeGen.Select(r => Build(r, o));
    }

    /// <summary>Random MLP cases that shrink toward fewer, narrower layers and smaller batches.</summary>
    public static Arbitrary<MlpCase> Arb(MlpOptions? options = null)
    {
        var o = options ?? new MlpOptions();
        var ints = ArbMap.Default.ArbFor<int[]>();
        return FsCheck.Fluent.Arb.From(RecipeGen, r => ints.Shrinker(r).Where(s => s.Length > 0 && s.All(v => v >= 0)))
            .Convert(r => Build(r, o), c => c.Recipe);
    }

    /// <summary>Builds the case a recipe describes (any list of integers is a valid recipe).</summary>
    public static MlpCase Build(int[] recipe, MlpOptions? options = null)
    {
        var o = options ?? new MlpOptions();
        var c = new Choices(recipe);
        int hidden = c.Next(o.MaxHidden + 1);
        var sizes = new int[hidden + 2];
        sizes[0] = 1 + c.Next(o.MaxInputs);
        for (int i = 1; i <= hidden; i++) sizes[i] = 1 + c.Next(o.MaxWidth);
        sizes[hidden + 1] = 2 + c.Next(Math.Max(1, o.MaxClasses - 1));
        var activation = c.Pick("relu", "tanh");
        int batch = 1 + c.Next(o.MaxBatch);
        return Build(sizes, activation, batch, c.Next(1 << 20), o, recipe);
    }

    /// <summary>Builds the MLP with the given layer <paramref name="sizes"/> (inputs, hidden..., classes).</summary>
    public static MlpCase Build(int[] sizes, string activation, int batch, int seed, MlpOptions? options = null, int[]? recipe = null)
    {
        if (sizes.Length < 2) throw new ArgumentException("An MLP needs at least input and output sizes.");
        if (activation != "relu" && activation != "tanh") throw new ArgumentException($"Unknown activation '{activation}' (relu or tanh).");
        var o = options ?? new MlpOptions();
        var rng = new Random(seed);
        var g = new Graph(o.DType);
        var b = new Dictionary<string, Tensor>();
        int inputs = sizes[0], classes = sizes[sizes.Length - 1];

        var x = g.Input("x", new Shape(Shape.Batch, inputs));
        var t = g.Input("t", new Shape(Shape.Batch, classes));
        var xs = Normal(rng, batch * inputs, 1);
        b["x"] = new Tensor(new[] { batch, inputs }, xs);
        var onehot = new double[batch * classes];
        for (int r = 0; r < batch; r++) onehot[r * classes + rng.Next(classes)] = 1;
        b["t"] = new Tensor(new[] { batch, classes }, onehot);

        Node h = x;
        var act = (double[])xs.Clone();
        var names = new List<string>();
        for (int layer = 0; layer < sizes.Length - 1; layer++)
        {
            int fanIn = sizes[layer], fanOut = sizes[layer + 1];
            string wn = $"{2 * layer}.weight", bn = $"{2 * layer}.bias";
            var w = Normal(rng, fanOut * fanIn, Math.Sqrt(2.0 / fanIn));
            var bias = Enumerable.Range(0, fanOut).Select(_ => Math.Round(rng.NextDouble() * 0.2 - 0.1, 4)).ToArray();
            bool last = layer == sizes.Length - 2;
            var pre = Dense(act, batch, fanIn, fanOut, w, bias);
            if (!last && activation == "relu") pre = AwayFromKinks(pre, batch, fanOut, bias, o.Margin);
            b[wn] = new Tensor(new[] { fanOut, fanIn }, w);
            b[bn] = new Tensor(new[] { fanOut }, bias);
            names.Add(wn); names.Add(bn);
            var z = F.MatMul(h, F.T(g.Param(wn, new Shape(fanOut, fanIn)))) + g.Param(bn, new Shape(fanOut));
            if (last) { h = z; break; }
            h = activation == "relu" ? F.Relu(z) : F.Tanh(z);
            act = pre.Select(v => activation == "relu" ? Math.Max(v, 0) : Math.Tanh(v)).ToArray();
        }
        var logits = h;
        var loss = F.Mean(-F.Sum(t * F.LogSoftmax(logits, 1), 1));
        var ps = names.Select(n => g.Find(n)!).ToArray();
        var grads = Autodiff.Grad(loss, ps);
        var outputs = new List<Named> { new("loss", loss) };
        outputs.AddRange(names.Select((n, i) => new Named("d/d" + n, grads[i])));
        var updates = names.Select((n, i) => new Named(n, ps[i] - grads[i] * o.LearningRate));
        var step = new Function(g, outputs, updates);
        var forward = new Function(g, ("logits", logits));
        return new MlpCase(recipe ?? Array.Empty<int>(), sizes, activation, batch, step, forward, b, names, o.LearningRate);
    }

    private static double[] Normal(Random rng, int n, double std)
    {
        var r = new double[n];
        for (int i = 0; i < n; i++)
        {
            double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
            r[i] = Math.Round(std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2), 4);
        }
        return r;
    }

    // act [batch, in] · wᵀ [in, out] + bias, row-major.
    private static double[] Dense(double[] act, int batch, int fanIn, int fanOut, double[] w, double[] bias)
    {
        var r = new double[batch * fanOut];
        for (int n = 0; n < batch; n++)
            for (int j = 0; j < fanOut; j++)
            {
                double s = bias[j];
                for (int k = 0; k < fanIn; k++) s += act[n * fanIn + k] * w[j * fanIn + k];
                r[n * fanOut + j] = s;
            }
        return r;
    }

    // Shifts each unit's bias (in place) so that no pre-activation in the batch lies within `margin` of ReLU's kink.
    private static double[] AwayFromKinks(double[] pre, int batch, int fanOut, double[] bias, double margin)
    {
        var shifts = new[] { 0, 0.05, -0.05, 0.1, -0.1, 0.17, -0.17, 0.3, -0.3, 0.5, -0.5 };
        for (int j = 0; j < fanOut; j++)
            foreach (var s in shifts)
            {
                bool ok = true;
                for (int n = 0; n < batch && ok; n++) ok = Math.Abs(pre[n * fanOut + j] + s) >= margin;
                if (!ok) continue;
                bias[j] += s;
                for (int n = 0; n < batch; n++) pre[n * fanOut + j] += s;
                break;
            }
        return pre;
    }
}
