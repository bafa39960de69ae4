#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, documents, demonstrates, benchmarks and packages Multiproc.
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Docs', 'Package', 'Clean')]
    [string] $Task = 'Build',

    # Test builds Debug, so that the invariants written as Debug.Assert run (a failed one ends the process);
    # the rest build what ships.
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = $(if ($Task -eq 'Test') { 'Debug' } else { 'Release' })
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$Staged = Join-Path $Out 'Multiproc'
$Project = Join-Path $Root 'src/Multiproc/Multiproc.csproj'
$Pwsh = $null   # a fresh pwsh for tests, demo and bench (a loaded assembly cannot be rebuilt): see Get-Pwsh
$PesterTimeoutMinutes = 15
$Version = (Import-PowerShellDataFile (Join-Path $Root 'Multiproc.psd1')).ModuleVersion

# Runs a native command and fails the build when it fails.
function Invoke-Native([string] $Command, [string[]] $Arguments) {
    & $Command @Arguments
    if ($LASTEXITCODE -ne 0) { throw "'$Command $($Arguments -join ' ')' failed with exit code $LASTEXITCODE." }
}

function Invoke-Build {
    Invoke-Native dotnet @('build', $Project, '-c', $Configuration, '--nologo', '-v', 'quiet', '-clp:NoSummary', "-p:Version=$Version")
    $bin = Join-Path $Root "src/Multiproc/bin/$Configuration/net8.0"
    # Remove, then copy: a running pwsh may have the old assembly mapped.
    if (Test-Path $Staged) { Remove-Item $Staged -Recurse -Force }
    New-Item -ItemType Directory -Path $Staged | Out-Null
    $files = @(
        (Join-Path $bin 'Multiproc.dll')
        (Join-Path $bin 'Multiproc.pdb')
        (Join-Path $bin 'Multiproc.xml')
        (Join-Path $Root 'Multiproc.psd1')
        (Join-Path $Root 'src/Multiproc/Formats/Multiproc.Format.ps1xml')
    )
    Copy-Item -Path $files -Destination $Staged
    Invoke-Docs
    Write-Host "Built Multiproc $Version at $Staged"
}

function Invoke-Docs {
    $help = Join-Path $Staged 'en-US'
    New-Item -ItemType Directory -Path $help -Force | Out-Null
    $docs = Join-Path $Root 'docs/en-US'
    if (Get-Module -ListAvailable -Name platyPS) {
        Import-Module platyPS
        New-ExternalHelp -Path $docs -OutputPath $help -Force | Out-Null
    }
    else {
        & (Join-Path $Root "build/ConvertTo-Maml.ps1") -Path $docs -OutputPath (Join-Path $help "Multiproc.dll-Help.xml")
    }
    Copy-Item (Join-Path $docs 'about_Multiproc.md') (Join-Path $help 'about_Multiproc.help.txt')
}

# PowerShell as its release packages ship it, with the engine precompiled (ReadyToRun). The dotnet tool's
# assemblies are IL only: every process (the tests' children, pool workers, the bench's baselines) would
# spend a second or more of CPU compiling the engine, which no installed PowerShell does. So the tool is
# copied once per version into out/, its engine assemblies compiled by the SDK's own crossgen2.
# Falls back to the tool as it is, with a warning, where that cannot be done.
function Get-Pwsh {
    $name = if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' }
    $target = Join-Path $Out "pwsh-$($PSVersionTable.PSVersion)"
    $done = Join-Path $target '.precompiled'
    if (Test-Path $done) { return (Join-Path $target $name) }
    try {
        $os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
        $arch = [Runtime.InteropServices.RuntimeInformation]::OSArchitecture.ToString().ToLowerInvariant()
        Invoke-Native dotnet @('restore', (Join-Path $Root 'build/Crossgen.proj'), '--nologo', '-v', 'quiet', "-p:RuntimeIdentifier=$os-$arch")
        $packages = ((& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
        $compiler = Get-ChildItem (Join-Path $packages "microsoft.netcore.app.crossgen2.$os-$arch") -Directory |
            Sort-Object { [version]($_.Name -replace '-.*$', '') } | Select-Object -Last 1 |
            ForEach-Object { Join-Path $_.FullName "tools/crossgen2$(if ($IsWindows) { '.exe' })" }
        Write-Host "Precompiling PowerShell $($PSVersionTable.PSVersion) into $target (once)..."
        Remove-Item $target -Recurse -Force -ErrorAction Ignore
        Copy-Item $PSHOME $target -Recurse
        $framework = [Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory()
        # The engine, the host and the modules every session loads.
        # A response file: pwsh would expand the reference wildcards itself.
        $options = Join-Path $target 'crossgen.rsp'
        foreach ($assembly in 'System.Management.Automation', 'Microsoft.PowerShell.ConsoleHost', 'pwsh', 'Microsoft.PowerShell.SDK',
            'Microsoft.PowerShell.Commands.Utility', 'Microsoft.PowerShell.Commands.Management', 'Microsoft.PowerShell.Security', 'Newtonsoft.Json') {
            Set-Content $options @((Join-Path $PSHOME "$assembly.dll"), '-o', (Join-Path $target "$assembly.dll"),
                '-r', (Join-Path $framework '*.dll'), '-r', (Join-Path $PSHOME '*.dll'), "--targetos:$os", "--targetarch:$arch", '-O')
            $null = Invoke-Native $compiler @("@$options")
        }
        Remove-Item $options
        New-Item -ItemType File -Path $done | Out-Null
        Join-Path $target $name
    }
    catch {
        Write-Warning "Could not precompile PowerShell ($_); using the dotnet tool's as it is, which is slower to start and to warm up."
        Join-Path $PSHOME $name
    }
}

# Pester comes from NuGet through dotnet's own restore; returns the path of its manifest.
function Get-Pester {
    $tools = Join-Path $Root 'build/Tools.proj'
    Invoke-Native dotnet @('restore', $tools, '--nologo', '-v', 'quiet')
    $version = ([xml](Get-Content $tools)).Project.ItemGroup.PackageDownload.Version.Trim('[]')
    $packages = (& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    if ($LASTEXITCODE -ne 0) { throw 'dotnet nuget locals failed.' }
    Join-Path $packages.Trim() "pester/$version/tools/Pester.psd1"
}

# Programs the tests drive that a fresh machine may lack, from the system's package manager; a test whose
# program is still missing is skipped and says why.
function Install-TestTools {
    # Each program and its Debian package: tmux (a real terminal), sshd and ssh (the remoting tests' loopback hosts).
    $packages = [ordered]@{ tmux = 'tmux'; sshd = 'openssh-server'; ssh = 'openssh-client'; 'ssh-keygen' = 'openssh-client' }
    $missing = @($packages.Keys | Where-Object { -not (Get-Command $_ -ErrorAction Ignore) -and -not (Test-Path "/usr/sbin/$_") } |
        ForEach-Object { $packages[$_] } | Select-Object -Unique)
    if (-not $missing) { return }
    if ($IsLinux -and (Get-Command apt-get -ErrorAction Ignore) -and "$(id -u)" -eq '0') {
        Write-Host "Installing $($missing -join ', ') for the tests..."
        $env:DEBIAN_FRONTEND = 'noninteractive'
        & apt-get update -qq | Out-Null
        & apt-get install -y -qq --no-install-recommends @missing | Out-Null
        if ($LASTEXITCODE -ne 0) { Write-Warning "Could not install $($missing -join ', '): the tests that need them are skipped." }
    }
    else { Write-Warning "$($missing -join ', ') missing and not installable here: the tests that need them are skipped." }
}

# One run of the Pester suite in a fresh pwsh; its totals. A hung test fails the run rather than eat CI's
# time: the whole suite takes about eight minutes.
function Invoke-PesterRun([switch] $Portable) {
    $resultFile = Join-Path $Out "pester-result-$(if ($Portable) { 'portable' } else { 'native' }).json"
    Remove-Item $resultFile -ErrorAction Ignore
    $info = [System.Diagnostics.ProcessStartInfo]::new($Pwsh)
    foreach ($argument in '-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'tests/Invoke-Tests.ps1'),
        '-PesterPath', (Get-Pester), '-ResultPath', $resultFile) { $info.ArgumentList.Add($argument) }
    $info.Environment['MULTIPROC_PORTABLE'] = if ($Portable) { '1' } else { '0' }
    $pester = [System.Diagnostics.Process]::Start($info)
    if (-not $pester.WaitForExit([int][TimeSpan]::FromMinutes($PesterTimeoutMinutes).TotalMilliseconds)) {
        $pester.Kill($true)
        Write-Host "Pester did not finish within $PesterTimeoutMinutes minutes and was stopped." -ForegroundColor Red
    }
    if (-not (Test-Path $resultFile)) { return @{ Passed = 0; Failed = 1; Skipped = 0 } }   # Pester itself did not finish
    $result = Get-Content $resultFile -Raw | ConvertFrom-Json
    @{ Passed = $result.Passed; Failed = $result.Failed; Skipped = $result.Skipped }
}

function Invoke-Test {
    Invoke-Build
    $script:Pwsh = Get-Pwsh
    Install-TestTools
    $totals = [ordered]@{ Passed = 0; Failed = 0; Skipped = 0 }

    $units = Join-Path $Root 'tests/units/Multiproc.Tests.csproj'
    $unitLog = & dotnet test $units -c $Configuration --nologo 2>&1
    $unitExit = $LASTEXITCODE
    $unitLog | Out-Host
    $summary = $unitLog | Select-String 'Failed:\s+(\d+), Passed:\s+(\d+), Skipped:\s+(\d+)' | Select-Object -Last 1
    if ($summary) {
        $totals.Failed += [int]$summary.Matches[0].Groups[1].Value
        $totals.Passed += [int]$summary.Matches[0].Groups[2].Value
        $totals.Skipped += [int]$summary.Matches[0].Groups[3].Value
    }
    if ($unitExit -ne 0 -and -not $summary) { $totals.Failed++ }   # the unit tests did not even run

    # The whole suite twice: on Linux's native paths, then on the portable ones macOS and Windows take (SPEC section 12).
    foreach ($mode in 'native', 'portable') {
        Write-Host "`n=== Pester, $mode paths"
        $run = Invoke-PesterRun -Portable:($mode -eq 'portable')
        foreach ($key in 'Passed', 'Failed', 'Skipped') { $totals[$key] += $run[$key] }
    }

    Write-Host ''
    Write-Host "$($totals.Passed) passed, $($totals.Failed) failed, $($totals.Skipped) skipped"
    if ($totals.Failed -gt 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    $script:Pwsh = Get-Pwsh
    $examples = Get-ChildItem (Join-Path $Root 'examples') -Filter '*.ps1' | Where-Object Name -NotLike '*.Tests.ps1' | Sort-Object Name
    foreach ($example in $examples) {
        Write-Host "`n=== $($example.Name)" -ForegroundColor Cyan
        $pester = if (Select-String -Path $example.FullName -Pattern 'Invoke-Pester' -Quiet) { "Import-Module '$(Get-Pester)'; " }
        & $Pwsh -NoProfile -NonInteractive -Command "Import-Module '$Staged'; $pester& '$($example.FullName)'"
        if ($LASTEXITCODE -ne 0) { throw "$($example.Name) failed with exit code $LASTEXITCODE." }
    }
}

function Invoke-Bench {
    Install-TestTools   # sshd, for the remote rows
    Invoke-Build
    $script:Pwsh = Get-Pwsh
    & $Pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'bench/Bench.ps1') -ModulePath $Staged
    if ($LASTEXITCODE -ne 0) { throw "The benchmark failed with exit code $LASTEXITCODE." }
}

function Invoke-Package {
    Invoke-Build
    $feed = Join-Path $Out 'packages'
    New-Item -ItemType Directory -Path $feed -Force | Out-Null
    $name = 'MultiprocBuild'
    if (Get-PSResourceRepository -Name $name -ErrorAction Ignore) { Unregister-PSResourceRepository -Name $name }
    Register-PSResourceRepository -Name $name -Uri $feed -Trusted
    try { Publish-PSResource -Path $Staged -Repository $name -SkipDependenciesCheck }
    finally { Unregister-PSResourceRepository -Name $name }
    Write-Host "Packaged $(Join-Path $feed "Multiproc.$Version.nupkg")"
}

function Invoke-Clean {
    foreach ($path in 'out', 'src/Multiproc/bin', 'src/Multiproc/obj', 'tests/units/bin', 'tests/units/obj', 'build/bin', 'build/obj') {
        Remove-Item (Join-Path $Root $path) -Recurse -Force -ErrorAction Ignore
    }
}

& "Invoke-$Task"
