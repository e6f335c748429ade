using System;
using System.Collections.Generic;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Search;
using Xunit;

namespace Nabla.Tests.Search;

/// <summary>The search-space grammar, its errors, and the unit-cube mapping of every hyperparameter kind.</summary>
public class SearchSpaceTests
{
    internal const string Spec = "lr=1e-4..1e-1:log; hidden={64,100,128,256}; dropout=0..0.5; optimizer={sgd,momentum,adam}; batch=16..256:int:log";

    [Fact]
    public void Parse_reads_every_kind_in_order()
    {
        var s = SearchSpace.Parse(Spec);
        Assert.Equal(new[] { "lr", "hidden", "dropout", "optimizer", "batch" }, s.Parameters.Select(p => p.Name));
        Assert.Equal(HyperparameterKind.LogUniform, s["lr"].Kind);
        Assert.Equal((1e-4, 1e-1), (s["lr"].Lo, s["lr"].Hi));
        Assert.Equal(HyperparameterKind.Choice, s["hidden"].Kind);
        Assert.Equal(new object[] { 64.0, 100.0, 128.0, 256.0 }, s["hidden"].Choices);
        Assert.False(s["hidden"].IsStringChoice);
        Assert.Equal(HyperparameterKind.Uniform, s["dropout"].Kind);
        Assert.Equal(new object[] { "sgd", "momentum", "adam" }, s["optimizer"].Choices);
        Assert.True(s["optimizer"].IsStringChoice);
        Assert.Equal(HyperparameterKind.Integer, s["batch"].Kind);
        Assert.True(s["batch"].Log);
        Assert.Equal((16.0, 256.0), (s["batch"].Lo, s["batch"].Hi));
    }

    [Fact]
    public void ToString_is_canonical_and_parses_back_to_itself()
    {
        var s = SearchSpace.Parse(" lr = 1e-4 .. 0.1 : log ;hidden={64, 100};steps=1..3:int; ");
        Assert.Equal("lr=0.0001..0.1:log; hidden={64,100}; steps=1..3:int", s.ToString());
        Assert.Equal(s.ToString(), SearchSpace.Parse(s.ToString()).ToString());
        var t = SearchSpace.Parse(Spec);
        Assert.Equal(t.ToString(), SearchSpace.Parse(t.ToString()).ToString());
    }

    [Theory]
    [InlineData("lr=0.1..0.01:log", "'lr'", "empty range")]
    [InlineData("dropout=0.5..0.5", "'dropout'", "empty range")]
    [InlineData("lr=0..0.1:log", "'lr'", "positive")]
    [InlineData("lr=-1e-3..0.1:log", "'lr'", "positive")]
    [InlineData("lr=1e-4..abc:log", "'lr'", "'abc' is not a number")]
    [InlineData("a=0..1; a=1..2", "'a'", "twice")]
    [InlineData("=0..1", "empty hyperparameter name", "")]
    [InlineData("lr", "'lr'", "no '='")]
    [InlineData("x=0..1:cubic", "'x'", "':cubic'")]
    [InlineData("n=1.5..4:int", "'n'", "integers")]
    [InlineData("n=0..4:int:log", "'n'", "lo ≥ 1")]
    [InlineData("opt={adam}", "'opt'", "at least two")]
    [InlineData("opt={adam,adam}", "'opt'", "duplicate choice value 'adam'")]
    [InlineData("opt={adam,,sgd}", "'opt'", "empty value")]
    [InlineData("opt={adam,sgd", "'opt'", "closing")]
    [InlineData("x=1", "'x'", "neither lo..hi")]
    [InlineData("9lives=0..1", "'9lives'", "invalid")]
    [InlineData("  ;  ", "no hyperparameter", "")]
    [InlineData("", "empty", "")]
    [InlineData("x=nan..1", "'x'", "'nan' is not a number")]
    public void Bad_specs_throw_one_format_exception_naming_the_parameter(string spec, string part1, string part2)
    {
        var e = Assert.Throws<FormatException>(() => SearchSpace.Parse(spec));
        Assert.Contains(part1, e.Message);
        Assert.Contains(part2, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Require_known_names_the_unknown_parameter()
    {
        var s = SearchSpace.Parse("lr=1e-3..1e-1:log; widht={8,16}");
        var e = Assert.Throws<FormatException>(() => s.RequireKnown(new[] { "lr", "width" }));
        Assert.Contains("'widht'", e.Message);
        Assert.Contains("known: lr, width", e.Message);
        s.RequireKnown(new[] { "lr", "widht", "other" });
    }

    [Fact]
    public void Factories_reject_bad_arguments_naming_the_parameter()
    {
        Assert.Contains("'a'", Assert.Throws<ArgumentException>(() => Hyperparameter.Uniform("a", 1, 1)).Message);
        Assert.Contains("'b'", Assert.Throws<ArgumentException>(() => Hyperparameter.LogUniform("b", 0, 1)).Message);
        Assert.Contains("'c'", Assert.Throws<ArgumentException>(() => Hyperparameter.Choice("c", "x", 1.0)).Message);
        Assert.Contains("'d'", Assert.Throws<ArgumentException>(() => Hyperparameter.Uniform("d", 0, double.PositiveInfinity)).Message);
        Assert.Throws<ArgumentException>(() => new SearchSpace(Hyperparameter.Uniform("a", 0, 1), Hyperparameter.Uniform("a", 0, 2)));
    }

    [Fact]
    public void Configuration_values_are_typed_and_checked()
    {
        var s = SearchSpace.Parse(Spec);
        var c = s.Create(new Dictionary<string, object> { ["lr"] = 0.003, ["hidden"] = 128, ["dropout"] = 0.1, ["optimizer"] = "adam", ["batch"] = 32 });
        Assert.Equal(0.003, c.GetDouble("lr"));
        Assert.Equal(128, c.GetInt("hidden"));
        Assert.Equal(32, c.GetInt("batch"));
        Assert.Equal("adam", c.GetString("optimizer"));
        Assert.Equal("lr=0.003, hidden=128, dropout=0.1, optimizer=adam, batch=32", c.ToString());
        Assert.Throws<InvalidCastException>(() => c.GetDouble("optimizer"));
        Assert.Throws<InvalidCastException>(() => c.GetInt("dropout"));
        Assert.Contains("'nope'", Assert.Throws<KeyNotFoundException>(() => c["nope"]).Message);

        var bad = new Dictionary<string, object> { ["lr"] = 0.5, ["hidden"] = 128, ["dropout"] = 0.1, ["optimizer"] = "adam", ["batch"] = 32 };
        var e = Assert.Throws<ArgumentException>(() => s.Create(bad));
        Assert.Contains("'lr'", e.Message); Assert.Contains("0.5", e.Message);
        bad["lr"] = 0.01; bad["hidden"] = 65;
        Assert.Contains("'hidden'", Assert.Throws<ArgumentException>(() => s.Create(bad)).Message);
        bad["hidden"] = 64; bad["optimizer"] = "rmsprop";
        Assert.Contains("'rmsprop'", Assert.Throws<ArgumentException>(() => s.Create(bad)).Message);
        bad["optimizer"] = "sgd"; bad["batch"] = 32.5;
        Assert.Contains("not an integer", Assert.Throws<ArgumentException>(() => s.Create(bad)).Message);
    }

    // Random hyperparameters of every kind (uniform, log-uniform, integer, log integer, numeric and string choice).
    private static readonly Gen<Hyperparameter> Hyper =
        from kind in Gen.Choose(0, 5)
        from a in Gen.Choose(-1000, 1000)
        from w in Gen.Choose(1, 3000)
        from e in Gen.Choose(-9, 2)
        from k in Gen.Choose(2, 9)
        select kind switch
        {
            0 => Hyperparameter.Uniform("u", a / 7.0, a / 7.0 + w / 13.0),
            1 => Hyperparameter.LogUniform("l", Math.Pow(10, e) * (1 + w / 5000.0), Math.Pow(10, e) * (1 + w / 5000.0) * (1 + w / 3.0)),
            2 => Hyperparameter.Integer("i", a, a + (w % 40) + 1),
            3 => Hyperparameter.Integer("j", 1 + w % 50, 1 + w % 50 + k * k * 3, log: true),
            4 => Hyperparameter.Choice("c", Enumerable.Range(0, k).Select(i => (object)(a + 0.5 * i * w)).ToArray()),
            _ => Hyperparameter.Choice("s", Enumerable.Range(0, k).Select(i => (object)("v" + i)).ToArray()),
        };

    private static readonly Gen<double> Unit =
        Gen.OneOf(Gen.Choose(0, 1 << 30).Select(i => i / (double)(1 << 30)), Gen.Elements(0.0, 1.0, 0.5, 1e-12, 1 - 1e-12));

    [Fact]
    public void Unit_mapping_lands_in_the_domain_and_round_trips_for_every_kind()
    {
        var gen = from h in Hyper from u in Unit select (h, u);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var (h, u) = c;
            object x = h.FromUnit(u);
            Assert.Equal(x, h.Normalize(x)); // in the domain, canonical type
            double v = h.ToUnit(x);
            Assert.InRange(v, 0, 1);
            object y = h.FromUnit(v); // value → unit → value is the identity (to rounding for the reals)
            if (x is double dx) Assert.True(Math.Abs((double)y - dx) <= 1e-12 * Math.Max(1, Math.Abs(dx)), $"{h}: {dx:R} → {v:R} → {y}");
            else Assert.Equal(x, y);
            if (h.Kind is HyperparameterKind.Uniform or HyperparameterKind.LogUniform)
                Assert.True(Math.Abs(v - u) <= 1e-9, $"{h}: u = {u:R} → {x} → {v:R}");
            else if (h.Kind == HyperparameterKind.Choice)
                Assert.Equal((Math.Min(h.Choices.Count - 1, Math.Floor(u * h.Choices.Count)) + 0.5) / h.Choices.Count, v);
        }));
    }

    [Fact]
    public void Unit_mapping_is_monotone_for_numeric_kinds()
    {
        var gen = from h in Hyper where !h.IsStringChoice from u in Unit from t in Unit select (h, Math.Min(u, t), Math.Max(u, t));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), Prop.ForAll(gen.ToArbitrary(), c =>
        {
            double a = Convert.ToDouble(c.Item1.FromUnit(c.Item2)), b = Convert.ToDouble(c.Item1.FromUnit(c.Item3));
            Assert.True(a <= b, $"{c.Item1}: {c.Item2:R} → {a:R} but {c.Item3:R} → {b:R}");
        }));
    }

    [Fact]
    public void Every_integer_and_choice_round_trips_and_owns_an_equal_cell()
    {
        var h = Hyperparameter.Integer("n", -3, 4);
        for (long x = -3; x <= 4; x++) Assert.Equal(x, h.FromUnit(h.ToUnit(x)));
        for (int i = 0; i < 8; i++) // 8 integers: cell i is [i/8, (i+1)/8)
        {
            Assert.Equal(-3L + i, h.FromUnit(i / 8.0 + 1e-9));
            Assert.Equal(-3L + i, h.FromUnit((i + 1) / 8.0 - 1e-9));
        }
        Assert.Equal(4L, h.FromUnit(1.0));
        var g = Hyperparameter.Integer("batch", 16, 256, log: true);
        for (long x = 16; x <= 256; x++) Assert.Equal(x, g.FromUnit(g.ToUnit(x)));
        Assert.Equal(16L, g.FromUnit(0)); Assert.Equal(256L, g.FromUnit(1));
        var c = Hyperparameter.Choice("opt", "sgd", "momentum", "adam");
        Assert.Equal(new[] { 1 / 6.0, 0.5, 5 / 6.0 }, c.Choices.Select(c.ToUnit));
        Assert.Equal("sgd", c.FromUnit(0)); Assert.Equal("momentum", c.FromUnit(1 / 3.0)); Assert.Equal("adam", c.FromUnit(1));
    }

    [Fact]
    public void Log_uniform_puts_each_decade_on_an_equal_share_of_the_unit_interval()
    {
        var h = Hyperparameter.LogUniform("lr", 1e-4, 1e-1);
        Assert.Equal(1e-4, h.FromUnit(0)); Assert.Equal(1e-1, h.FromUnit(1));
        Assert.Equal(1e-3, (double)h.FromUnit(1 / 3.0), 15);
        Assert.Equal(1e-2, (double)h.FromUnit(2 / 3.0), 14);
        Assert.Equal(0.5, h.ToUnit(Math.Sqrt(1e-4 * 1e-1)), 12);
    }

    [Fact]
    public void Space_maps_configurations_to_the_cube_and_back()
    {
        var s = SearchSpace.Parse(Spec);
        var u = new[] { 0.3, 0.9, 0.25, 0.1, 0.7 };
        var c = s.FromUnit(u);
        Assert.Equal("sgd", c["optimizer"]);
        Assert.Equal(256.0, c["hidden"]);
        Assert.Equal(0.125, c["dropout"]);
        Assert.Equal(c, s.FromUnit(s.ToUnit(c)));
        Assert.Contains("5 coordinates", Assert.Throws<ArgumentException>(() => s.FromUnit(new[] { 0.5 })).Message);
        var other = SearchSpace.Parse("x=0..1");
        Assert.Throws<ArgumentException>(() => other.ToUnit(c));
    }
}
