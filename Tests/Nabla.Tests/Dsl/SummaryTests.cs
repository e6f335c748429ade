using System.Linq;
using Nabla.Ir;
using Xunit;

namespace Nabla.Tests.Dsl;

public class SummaryTests
{
    // Parameter counts from the lectures (the lectures' formula): Σ over layers of (in·out + out).
    [Theory]
    [InlineData(40, new[] { 298 }, 10, 15_208)]            // 40·298+298 + 298·10+10
    [InlineData(40, new[] { 100, 100 }, 10, 15_210)]       // 4100 + 10100 + 1010
    [InlineData(40, new[] { 75, 75, 75 }, 10, 15_235)]     // 3075 + 2·5700 + 760
    [InlineData(40, new[] { 63, 63, 63, 63 }, 10, 15_319)] // 2583 + 3·4032 + 640 (the figure caption's 15,139 is a transposition)
    [InlineData(1, new[] { 10, 10, 10, 10, 10 }, 1, 471)]  // 20 + 4·110 + 11
    [InlineData(10, new[] { 50, 50, 50, 50, 50 }, 1, 10_801)] // 550 + 4·2550 + 51
    public void Mlp_parameter_counts_reproduce_the_lectures(int inputs, int[] hidden, int outputs, long expected)
    {
        var m = Model.Build(Networks.Mlp(inputs, hidden, outputs), inputs);
        Assert.Equal(expected, m.ParameterCount);
        Assert.Equal(expected, m.Summary.TotalParameters);
        Assert.Equal(expected, m.Summary.Layers.Sum(r => r.Parameters));
        Assert.Contains($"Total parameters: {expected:N0}", m.Summary.ToString().Replace('\u00a0', ','));
        Assert.Equal(2 * hidden.Length + 1, m.Summary.Layers.Count);
        Assert.Equal(Shape.Of(Shape.Batch, outputs), m.Summary.Layers.Last().OutputShapes[0]);
    }

    [Fact]
    public void Mnist1d_residual_mlp_has_15210_and_the_cnn_5210_parameters()
    {
        Assert.Equal(15_210, Model.Build(Networks.Mnist1dResidualMlp(), 40).ParameterCount);
        var cnn = Model.Build(Networks.Mnist1dCnn(), 40);
        Assert.Equal(5_210, cnn.ParameterCount); // 150 + 1900 + 1900 + 1260
        // Conv output lengths: (40+2−5)/2+1 = 19, (19+2−3)/2+1 = 10, (10+2−3)/2+1 = 5; flatten 25·5 = 125.
        var shapes = cnn.Summary.Layers.ToDictionary(r => r.Path, r => r.OutputShapes[0].ToString());
        Assert.Equal("[B,1,40]", shapes["view"]);
        Assert.Equal("[B,25,19]", shapes["conv1"]);
        Assert.Equal("[B,25,10]", shapes["conv2"]);
        Assert.Equal("[B,25,5]", shapes["conv3"]);
        Assert.Equal("[B,125]", shapes["flatten"]);
        Assert.Equal("[B,10]", shapes["linear"]);
        Assert.Equal(new long[] { 0, 150, 0, 1900, 0, 1900, 0, 0, 1260 }, cnn.Summary.Layers.Select(r => r.Parameters));
    }

    [Fact]
    public void Summary_table_lists_layers_shapes_and_counts()
    {
        var m = Model.Build(Networks.Mlp(40, new[] { 100, 100 }, 10), 40);
        var text = m.Summary.ToString();
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.StartsWith("Layer", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("x (input)") && l.Contains("[B,40]"));
        Assert.Contains(lines, l => l.StartsWith("0  Dense 40→100") && l.Contains("[B,100]") && l.EndsWith("4,100"));
        Assert.Contains(lines, l => l.StartsWith("1  ReLU") && l.EndsWith("0"));
        Assert.Contains(lines, l => l.StartsWith("4  Dense 100→10") && l.EndsWith("1,010"));
        Assert.Equal("Trainable: 15,210   Frozen: 0", lines.Last());
        Assert.Equal(text, m.ToString());
    }

    [Fact]
    public void Summary_counts_frozen_parameters()
    {
        var net = Networks.Mlp(40, new[] { 100, 100 }, 10);
        net.Layers[0].Freeze();
        var m = Model.Build(net, 40);
        Assert.Equal(4_100, m.Summary.FrozenParameters);
        Assert.Equal(11_110, m.Summary.TrainableParameters);
        Assert.EndsWith("Trainable: 11,110   Frozen: 4,100", m.Summary.ToString());
    }

    [Fact]
    public void Nested_rows_carry_depth_and_container_totals()
    {
        var m = Model.Build(new Sequential(new Sequential(new Dense(4, 3), new ReLU()), new Residual(new Dense(3, 3)), new Dense(3, 1)), 4);
        var rows = m.Summary.Rows;
        Assert.Equal(new[] { "", "0", "0.0", "0.1", "1", "1.fn", "2" }, rows.Select(r => r.Path));
        Assert.Equal(new[] { 0, 1, 2, 2, 1, 2, 1 }, rows.Select(r => r.Depth));
        Assert.Equal(15 + 12 + 4, rows[0].TotalParameters);
        Assert.Equal(15, rows[1].TotalParameters);
        Assert.Equal(12, rows[4].TotalParameters);
        Assert.Contains("  1.fn  Dense 3→3", m.Summary.ToString());
    }
}
