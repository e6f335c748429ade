using System;
using System.Linq;
using Nabla.Ir;
using Nabla.Lowering;
using Xunit;

namespace Nabla.Tests.Dsl;

/// <summary>
/// Issue 17 #5: sizes in checked 64-bit arithmetic, tensors too large for one array refused by name before anything is
/// allocated (Shape, parameters, layers, the split step's flat gradient), and the Compile-time memory check.
/// </summary>
[Collection("Jit")]
public class SizeTests
{
    private const string Max = "2,147,483,591";

    [Fact]
    public void Element_counts_are_exact_in_64_bits_and_overflow_is_an_error_naming_the_shape()
    {
        Assert.Equal(10_000_000_000L, new Shape(100_000, 100_000).StaticSize);
        Assert.Equal(int.MaxValue * 2L, new Shape(Shape.Batch, int.MaxValue).Size(2));
        Assert.Equal(0, new Shape(0, int.MaxValue, int.MaxValue, int.MaxValue).StaticSize);
        // (2³¹−1)³ wrapped to a negative (or small) long before: now an error.
        var e = Assert.Throws<ShapeException>(() => new Shape(int.MaxValue, int.MaxValue, int.MaxValue).StaticSize);
        Assert.Equal("A tensor of shape [2147483647,2147483647,2147483647] has more than 9,223,372,036,854,775,807 elements.", e.Message);
        Assert.Throws<ShapeException>(() => new Shape(Shape.Batch, int.MaxValue, int.MaxValue).Size(int.MaxValue));
        Assert.Equal(Shape.MaxElements, Array.MaxLength);
    }

    [Fact]
    public void CheckElements_and_CheckedStaticSize_name_the_tensor_and_its_size()
    {
        Shape.CheckElements("x", Shape.MaxElements, "[1]");
        var e = Assert.Throws<ShapeException>(() => Shape.CheckElements("layer 2 weight", Shape.MaxElements + 1, "[2147483592]"));
        Assert.Equal($"layer 2 weight of shape [2147483592] has 2,147,483,592 elements; a tensor holds at most {Max}.", e.Message);
        Assert.Equal(2_000_000_000, new Shape(Shape.Batch, 40_000, 50_000).CheckedStaticSize("h"));
        e = Assert.Throws<ShapeException>(() => new Shape(int.MaxValue, int.MaxValue, int.MaxValue).CheckedStaticSize("w"));
        Assert.Equal($"w of shape [2147483647,2147483647,2147483647] has more than 9,223,372,036,854,775,807 elements; a tensor holds at most {Max}.", e.Message);
    }

    [Fact]
    public void A_layer_whose_weight_is_too_large_for_one_tensor_is_refused_by_name_before_it_is_allocated()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<LayerException>(() => Model.Build(new Sequential(new Dense(40, 100_000), new ReLU(), new Dense(100_000, 100_000)), 40));
        Assert.Equal($"layer 2 (Dense 100000→100000): weight of shape [100000,100000] has 10,000,000,000 elements; a tensor holds at most {Max}.", e.Message);
        Assert.Equal("2", e.LayerPath);
        // Only the first layer's 4,000,000 weights (16 MB) were allocated, not the 40 GB the second would take.
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20);

        // Before: an OverflowException from checked((int)…) in Parameter's constructor, or a wrong size after a wrap.
        e = Assert.Throws<LayerException>(() => Model.Build(new Dense(int.MaxValue, int.MaxValue), int.MaxValue));
        Assert.Contains($"weight of shape [2147483647,2147483647] has 4,611,686,014,132,420,609 elements; a tensor holds at most {Max}", e.Message);
    }

    [Fact]
    public void A_recurrent_layer_whose_gate_rows_overflow_an_int_is_refused_by_name()
    {
        // 3·800,000,000 rows: int arithmetic gave a negative dimension.
        var e = Assert.Throws<LayerException>(() => Model.Build(new GRU(1, 800_000_000), new Shape(Shape.Batch, 5, 1)));
        Assert.StartsWith($"network (GRU 1→800000000): weight_hh_l0 of shape [2400000000,800000000] has more than {Max} elements, the most a tensor holds", e.Message);
    }

    [Fact]
    public void Flatten_refuses_an_example_longer_than_one_axis_holds()
    {
        var e = Assert.Throws<LayerException>(() => Model.Build(new Flatten(), new Shape(Shape.Batch, 100_000, 100_000)));
        Assert.Equal("network (Flatten): an example of shape [B,100000,100000] has 10,000,000,000 values, more than one axis holds (2,147,483,647).", e.Message);
    }

    private static LoweredModel Lowered(Optimizer optimizer) =>
        Lowerer.Lower(Model.Build(new Sequential(new Dense(40, 100), new ReLU(), new Dense(100, 10)), 40, seed: 3),
            new TrainingSetup(Loss.SoftmaxCrossEntropy(), optimizer));

    [Fact]
    public void RequiredBytes_counts_parameters_state_and_batch_1_temporaries_in_checked_arithmetic()
    {
        const long parameters = 40 * 100 + 100 + 100 * 10 + 10; // 5,110
        var sgd = Lowered(Optimizer.Sgd(0.1));
        var adam = Lowered(Optimizer.Adam(0.01));
        long temps(LoweredModel l) => l.Plan.Methods.Sum(m => m.Schedule.TempBytes(1));
        Assert.Equal(4 * parameters + temps(sgd), Network.RequiredBytes(sgd));
        // Adam: m and v for every parameter and the scalar step counter.
        Assert.Equal(4 * (3 * parameters + 1) + temps(adam), Network.RequiredBytes(adam));
        Assert.True(temps(adam) > 0);
    }

    [Fact]
    public void CheckMemory_refuses_a_model_that_needs_more_than_is_available_naming_both_sizes_and_the_largest_tensor()
    {
        var lowered = Lowered(Optimizer.Adam(0.01));
        long need = Network.RequiredBytes(lowered);
        Network.CheckMemory(lowered, need);
        var e = Assert.Throws<InsufficientMemoryException>(() => Network.CheckMemory(lowered, need - 1));
        string kib(long b) => (b / 1024.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " KiB";
        Assert.Equal($"Model \"{lowered.Plan.Name}\" needs {kib(need)} for its parameters, optimizer state and temporaries at batch 1 " +
            $"(13 parameter tensors, the largest \"0.weight\" [100,40] with 4,000 elements), more than the {kib(need - 1)} this process can allocate.", e.Message);
        // The process's own limit is known here, and this small model fits it.
        Assert.True(Network.AvailableBytes() > need);
        Network.CheckMemory(lowered);
    }

    [Fact]
    public void A_batch_too_large_for_one_array_is_refused_naming_the_tensor_before_anything_is_allocated()
    {
        var net = Lowered(Optimizer.Sgd(0.1)).Compile(Backend.Expressions);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ShapeException>(() => net.Predict(new float[40], 100_000_000));
        Assert.Equal($"Forward: input \"x\" of shape x[B,40] at batch 100,000,000 has 4,000,000,000 elements; a tensor holds at most {Max}.", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        var y = net.Predict(new float[80], 2); // smaller batches still run
        Assert.Equal(20, y.Length);
    }
}
