using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Nabla.Ir;

namespace Nabla.Tests.Support;

/// <summary>
/// Random small convolutional networks traced to IR, for the backends (the random-graph generator builds im2col and
/// col2im alone, never a convolution or a pooling layer): one to three layers drawn from Conv1d/Conv2d (kernel 1–3,
/// stride 1–2, padding 0–1, dilation 1–2, groups dividing both channel counts, with or without bias), ReLU (whose
/// zeros tie in a max-pool window), MaxPool and AvgPool (kernel 2–3, stride 1–2, padding up to half the kernel: max
/// pooling pads with −∞). The function outputs y and the gradients of sum(u·y) with respect to the input ("grad_x")
/// and every parameter ("grad_" + name). Values are uniform in [−1, 1), so the only ties are exact ReLU zeros.
/// </summary>
public static class ConvGraphs
{
    /// <summary>
    /// One case: the network, the function, its loss sum(u·y), its bindings (x, u and the parameters), the run-time
    /// batch, and which output holds the gradient with respect to which binding.
    /// </summary>
    public sealed record Case(string Network, Function Function, Node Loss, Dictionary<string, Tensor> Bindings, int Batch,
        IReadOnlyList<(string Binding, string Output)> Gradients)
    {
        /// <inheritdoc/>
        public override string ToString()
        {
            var sb = new StringBuilder().Append(Network).Append(", batch ").Append(Batch).AppendLine();
            foreach (var kv in Bindings.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                sb.Append(kv.Key).Append(" = [").Append(string.Join(",", kv.Value.Shape)).Append("] {")
                  .Append(string.Join(", ", kv.Value.Data.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))).AppendLine("}");
            return sb.ToString();
        }
    }

    /// <summary>The case that <paramref name="seed"/> describes, in <paramref name="type"/>.</summary>
    public static Case Build(int seed, DType type)
    {
        var rng = new Random(seed);
        int R(int lo, int hi) => rng.Next(lo, hi + 1); // inclusive
        bool twoD = rng.Next(2) == 0;
        int c0 = R(1, 4), h0 = twoD ? R(3, 6) : 1, w0 = twoD ? R(3, 6) : R(5, 10);
        int c = c0, h = h0, w = w0;
        var layers = new List<Module>();
        var names = new List<string>();
        int count = R(1, 3);
        for (int i = 0; i < count; i++)
        {
            int kind = rng.Next(4);
            if (kind <= 1)
            {
                int k = R(1, 3), s = R(1, 2), p = R(0, 1), d = R(1, 2);
                var divisors = Enumerable.Range(1, c).Where(g => c % g == 0).ToArray();
                int groups = divisors[rng.Next(divisors.Length)];
                int outC = groups * R(1, 2);
                int oh = twoD ? Out(h, k, s, p, d) : 1, ow = Out(w, k, s, p, d);
                bool bias = rng.Next(3) > 0;
                if (oh < 1 || ow < 1) continue;
                layers.Add(twoD ? new Conv2d(c, outC, k, s, p, bias, dilation: d, groups: groups) : new Conv1d(c, outC, k, s, p, bias, dilation: d, groups: groups));
                names.Add($"Conv{(twoD ? 2 : 1)}d({c}->{outC} k{k} s{s} p{p} d{d} g{groups}{(bias ? "" : " nobias")})");
                c = outC; h = oh; w = ow;
            }
            else if (kind == 2) { layers.Add(new ReLU()); names.Add("ReLU"); }
            else
            {
                bool max = rng.Next(3) > 0; // max pooling is the more interesting one (ties, −∞ padding)
                int k = R(2, 3), s = R(1, 2), p = R(0, k / 2);
                int oh = twoD ? Out(h, k, s, p, 1) : 1, ow = Out(w, k, s, p, 1);
                if (oh < 1 || ow < 1) continue;
                if (max && rng.Next(2) == 0) { layers.Add(new ReLU()); names.Add("ReLU"); } // tied zeros in the windows
                layers.Add(twoD ? (max ? Pool.Max2d(k, s, p) : Pool.Avg2d(k, s, p)) : (max ? Pool.Max1d(k, s, p) : Pool.Avg1d(k, s, p)));
                names.Add($"{(max ? "Max" : "Avg")}Pool{(twoD ? 2 : 1)}d(k{k} s{s} p{p})");
                h = oh; w = ow;
            }
        }
        if (layers.Count == 0) { layers.Add(Pool.Max1d(2, 1, 1)); names.Add("MaxPool1d(k2 s1 p1)"); twoD = false; h0 = 1; }
        int batch = R(1, 3);
        var shape = twoD ? Shape.Of(Shape.Batch, c0, h0, w0) : Shape.Of(Shape.Batch, c0, w0);
        var t = Model.Build(new Sequential(layers.ToArray()), shape).Trace(type);
        var g = t.Graph;
        var x = t.Inputs[0];
        var y = t.Outputs[0].Node;
        var u = g.Input("u", y.Shape);
        var loss = F.Sum(y * u);
        var wrt = new[] { x }.Concat(t.Parameters.Select(p => p.Node)).ToArray();
        var grads = Autodiff.Grad(loss, wrt);
        var outputs = new List<Named> { new("y", y), new("grad_x", grads[0]) };
        for (int i = 0; i < t.Parameters.Count; i++) outputs.Add(new Named("grad_" + t.Parameters[i].Name, grads[i + 1]));
        var bind = new Dictionary<string, Tensor>
        {
            [x.Name!] = GradCheck.Random(shape.Concrete(batch), rng),
            ["u"] = GradCheck.Random(y.Shape.Concrete(batch), rng),
        };
        foreach (var p in t.Parameters) bind[p.Name] = GradCheck.Random(p.Node.Shape.Concrete(batch), rng);
        var gradients = new[] { (x.Name!, "grad_x") }.Concat(t.Parameters.Select(p => (p.Name, "grad_" + p.Name))).ToArray();
        return new Case(string.Join(" -> ", names), new Function(g, outputs), loss, bind, batch, gradients);
    }

    // PyTorch's output size, or 0 when the (dilated) kernel does not fit the padded input.
    private static int Out(int size, int k, int s, int p, int d) =>
        size + 2 * p < d * (k - 1) + 1 ? 0 : (size + 2 * p - d * (k - 1) - 1) / s + 1;
}
