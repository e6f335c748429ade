using System;
using System.Collections.Generic;
using Nabla.Ir;

namespace Nabla;

/// <summary>Ready-made networks: multilayer perceptrons and the MNIST-1D reference models.</summary>
public static class Networks
{
    /// <summary>
    /// A multilayer perceptron <c>Sequential(Dense(in,h₁), a, Dense(h₁,h₂), a, …, Dense(h_k,out))</c> with the activation
    /// named <paramref name="activation"/> after every hidden layer (none after the output). A non-positive width is
    /// an error naming the layer's index.
    /// </summary>
    public static Sequential Mlp(int inputs, IReadOnlyList<int> hidden, int outputs, string activation = "relu")
    {
        if (hidden is null) throw new ArgumentNullException(nameof(hidden));
        Act.FromName(activation); // reject unknown names before anything else
        var layers = new List<Module>();
        int prev = inputs;
        if (inputs <= 0) throw new LayerException("0", $"Dense {inputs}→?", $"layer 0 (Dense {inputs}→{(hidden.Count > 0 ? hidden[0] : outputs)}): the input width must be positive, got {inputs}.");
        for (int i = 0; i <= hidden.Count; i++)
        {
            int width = i < hidden.Count ? hidden[i] : outputs;
            string index = layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (width <= 0)
                throw new LayerException(index, $"Dense {prev}→{width}",
                    $"layer {index} (Dense {prev}→{width}): {(i < hidden.Count ? $"hidden layer {i}" : "the output layer")} has width {width}; widths must be positive.");
            layers.Add(new Dense(prev, width));
            if (i < hidden.Count) layers.Add(Act.FromName(activation));
            prev = width;
        }
        return new Sequential(layers.ToArray());
    }

    /// <summary>
    /// The lecture's shallow network with <paramref name="hidden"/> units, <c>y = φ₀ + Σ_d φ_d·a[θ_d0 + θ_d1·x]</c>
    /// (for one input and output): <c>Sequential(Dense(in, D), a, Dense(D, out))</c>, where <c>0.weight</c> holds θ_d1,
    /// <c>0.bias</c> θ_d0, <c>2.weight</c> φ_d and <c>2.bias</c> φ₀.
    /// </summary>
    public static Sequential Shallow(int inputs, int hidden, int outputs, string activation = "relu") => Mlp(inputs, new[] { hidden }, outputs, activation);

    /// <summary>
    /// The MNIST-1D paper's MLP with a residual connection (15,210 parameters for 40→100→100→10):
    /// <c>h = relu(linear1(x)); h = h + relu(linear2(h)); y = linear3(h)</c>, with the notebook's parameter names
    /// (<c>linear1.weight</c>, …).
    /// </summary>
    public static Module Mnist1dResidualMlp(int inputs = 40, int hidden = 100, int outputs = 10)
    {
        var l1 = new Dense(inputs, hidden);
        var l2 = new Dense(hidden, hidden);
        var l3 = new Dense(hidden, outputs);
        return Module.Lambda("ResidualMlp", x =>
        {
            var h = Act.Relu(l1[x]);
            h = h + Act.Relu(l2[h]);
            return l3[h];
        }, ("linear1", l1), ("linear2", l2), ("linear3", l3));
    }

    /// <summary>
    /// The MNIST-1D paper's CNN (5,210 parameters for length 40): the input [B, 40] viewed as [B, 1, 40], three Conv1d
    /// layers of 25 channels (kernels 5, 3, 3; stride 2; padding 1) with ReLU, flattened (25·5 = 125) into a Linear(125, 10).
    /// Parameter names follow the notebook: <c>conv1.weight</c> … <c>linear.bias</c>.
    /// </summary>
    public static Sequential Mnist1dCnn(int length = 40, int channels = 25, int outputs = 10)
    {
        int l1 = (length + 2 - 5) / 2 + 1, l2 = (l1 + 2 - 3) / 2 + 1, l3 = (l2 + 2 - 3) / 2 + 1;
        return new Sequential(
            ("view", new Reshape(1, length)),
            ("conv1", new Conv1d(1, channels, 5, stride: 2, padding: 1)), ("relu1", new ReLU()),
            ("conv2", new Conv1d(channels, channels, 3, stride: 2, padding: 1)), ("relu2", new ReLU()),
            ("conv3", new Conv1d(channels, channels, 3, stride: 2, padding: 1)), ("relu3", new ReLU()),
            ("flatten", new Flatten()),
            ("linear", new Dense(channels * l3, outputs)));
    }
}
