#!/bin/bash
# What the source generator costs in a user's `dotnet build`: a fresh one-network console project (the MNIST-1D MLP of
# examples/GeneratedModel) that references the generator as an analyzer, built with and without it, with and without
# the compiler server. Per variant and repeat: a full build, a no-op rebuild, a one-character edit outside the network
# class (Program.cs) and one inside it (the learning rate). Prints every build, then the medians.
#
#   bash Compiler/Generator/build-cost.sh [REPEATS=3] [WORKDIR=/tmp/nabla-build-cost]
#
# Builds Compiler/Nabla and the generator (Release) first. The variants:
#   off-gen / off-nogen  UseSharedCompilation=false: every build starts a new csc process (no compiler server)
#   srv-gen / srv-nogen  UseSharedCompilation=true: the compiler server (VBCSCompiler, the SDK's default) keeps the
#                        generator loaded and its incremental pipeline cached between builds
# "nogen" is the same project without the network class and without the analyzer. Wall seconds are what a user waits;
# CPU seconds (user+sys of dotnet build and its children) do not include the compiler server's process.
# The compiler server the srv variants start exits by itself after 10 idle minutes (or: dotnet build-server shutdown).
set -euo pipefail
repeats=${1:-3}
work=${2:-/tmp/nabla-build-cost}
repo=$(cd "$(dirname "$0")/../.." && pwd)

dotnet build "$repo/Compiler/Nabla" -c Release -v:q -nologo > /dev/null
dotnet build "$repo/Compiler/Generator" -c Release -v:q -nologo > /dev/null
rm -rf "$work" && mkdir -p "$work/lib"
cp "$repo"/Compiler/Nabla/bin/Release/net10.0/Nabla*.dll "$work/lib/"
cp "$repo/Compiler/Generator/bin/Release/netstandard2.0/Nabla.Generator.dll" "$work/lib/"

mkdir -p "$work/template"
cat > "$work/template/App.csproj" <<'EOF'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>disable</ImplicitUsings>
  </PropertyGroup>
  <ItemGroup Condition="'$(NoGen)' != 'true'">
    <Analyzer Include="../lib/Nabla.Generator.dll" />
  </ItemGroup>
  <ItemGroup Condition="'$(NoGen)' == 'true'"><Compile Remove="Net.cs" /></ItemGroup>
  <PropertyGroup Condition="'$(NoGen)' == 'true'"><DefineConstants>$(DefineConstants);NOGEN</DefineConstants></PropertyGroup>
  <ItemGroup>
    <Reference Include="../lib/Nabla.dll" />
    <Reference Include="../lib/Nabla.Dsl.dll" />
    <Reference Include="../lib/Nabla.Ir.dll" />
    <Reference Include="../lib/Nabla.Rewrites.dll" />
    <Reference Include="../lib/Nabla.Runtime.dll" />
  </ItemGroup>
</Project>
EOF
cp "$repo/examples/GeneratedModel/Mnist1dMlp.cs" "$work/template/Net.cs"
cat > "$work/template/Program.cs" <<'EOF'
using System;
namespace GeneratedModel;
public static class Program
{
    public static void Main()
    {
#if !NOGEN
        var network = Mnist1dMlp.CreateNetwork();
        Console.WriteLine(network.GetType().Name);
#endif
        Console.WriteLine("hello 0");
    }
}
EOF

declare -A props=(
  [off-gen]="-p:UseSharedCompilation=false" [off-nogen]="-p:UseSharedCompilation=false -p:NoGen=true"
  [srv-gen]="-p:UseSharedCompilation=true" [srv-nogen]="-p:UseSharedCompilation=true -p:NoGen=true")
variants="off-gen off-nogen srv-gen srv-nogen"
for v in $variants; do
  cp -r "$work/template" "$work/$v"
  (cd "$work/$v" && dotnet restore -v:q ${props[$v]} > /dev/null)
done

results="$work/results.txt"; : > "$results"
build() { # variant step
  local t; t=$(mktemp)
  (cd "$work/$1" && /usr/bin/time -f "%e %U %S" -o "$t" dotnet build -c Release --no-restore -nologo -v:q ${props[$1]} > "$work/$1.log" 2>&1) \
    || { echo "build failed: $1 $2"; tail -20 "$work/$1.log"; exit 1; }
  read -r wall user sys < "$t"; rm -f "$t"
  echo "$1 $2 $wall $(echo "$user + $sys" | bc)" | tee -a "$results"
}
for i in $(seq "$repeats"); do
  for v in $variants; do
    rm -rf "$work/$v/bin" "$work/$v/obj/Release"
    build "$v" full
    build "$v" noop
    sed -i "s/hello [0-9]*/hello $RANDOM/" "$work/$v/Program.cs"; build "$v" outside
    if [[ $v != *nogen ]]; then
      sed -i "s/LearningRate = 0.01[0-9]*;/LearningRate = 0.01$RANDOM;/" "$work/$v/Net.cs"; build "$v" inside
    fi
  done
done

echo
echo "medians over $repeats repeats (wall s / cpu s):"
for v in $variants; do
  for step in full noop outside inside; do
    walls=$(awk -v v="$v" -v s="$step" '$1==v && $2==s {print $3}' "$results" | sort -n)
    [[ -z $walls ]] && continue
    cpus=$(awk -v v="$v" -v s="$step" '$1==v && $2==s {print $4}' "$results" | sort -n)
    med() { awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2}'; }
    printf "%-10s %-8s wall %6s  cpu %6s\n" "$v" "$step" "$(echo "$walls" | med)" "$(echo "$cpus" | med)"
  done
done
