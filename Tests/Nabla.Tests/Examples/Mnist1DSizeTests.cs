using System;
using Mnist1D;
using Xunit;

namespace Nabla.Tests.Examples;

/// <summary>
/// Issue 17 #5: hidden widths too large for one tensor, or a model beyond the example's parameter cap, are one error line
/// and exit code 2, refused before any weight is allocated (the old behaviour: an OverflowException in Parameter..ctor
/// for --hidden 100000,100000, and 17 GB allocated for --hidden 30000,30000).
/// </summary>
public class Mnist1DSizeTests
{
    [Theory]
    [InlineData("--hidden 100000,100000",
        "--hidden: the hidden layer 2 (100000→100000)'s weight of shape [100000, 100000] has 10,000,000,000 elements; a tensor holds at most 2,147,483,591.")]
    [InlineData("--hidden 30000,30000",
        "--hidden 30000,30000: the MLP has 901,560,010 parameters; this example trains at most 100,000,000.")]
    [InlineData("--hidden 2147483647",
        "--hidden: the hidden layer 1 (40→2147483647)'s weight of shape [2147483647, 40] has 85,899,345,880 elements; a tensor holds at most 2,147,483,591.")]
    [InlineData("--hidden 60000000",
        "--hidden: the hidden layer 1 (40→60000000)'s weight of shape [60000000, 40] has 2,400,000,000 elements; a tensor holds at most 2,147,483,591.")]
    [InlineData("--model gru --hidden 100000",
        "--hidden: the GRU's weight_hh of shape [300000, 100000] has 30,000,000,000 elements; a tensor holds at most 2,147,483,591.")]
    [InlineData("--model gru --hidden 5000",
        "--hidden 5000: the GRU has 154,090,010 parameters; this example trains at most 100,000,000.")]
    public void Too_large_widths_are_one_line_and_exit_code_2_before_anything_is_allocated(string args, string expected)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(expected, ExampleRun.BadOptions(Program.Run, args, "test_accuracy"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 64 << 20, $"{allocated:N0} bytes allocated before the refusal");
    }

    [Fact]
    public void The_check_counts_the_datas_real_input_width_and_passes_the_default_models()
    {
        var o = Options.Parse(new[] { "--hidden", "1000,1000" });
        Options.CheckModelSize(o, 40); // 40·1000 + 1000 + 1000·1000 + 1000 + 1000·10 + 10 = 1,052,010
        var e = Assert.Throws<UsageException>(() => Options.CheckModelSize(o, 100_000)); // 100,000 values per example
        Assert.Equal("--hidden 1000,1000: the MLP has 101,012,010 parameters; this example trains at most 100,000,000.", e.Message);
        foreach (var args in new[] { Array.Empty<string>(), new[] { "--model", "gru" }, new[] { "--model", "cnn" }, new[] { "--model", "logistic" } })
            Options.CheckModelSize(Options.Parse(args), 40);
    }
}
