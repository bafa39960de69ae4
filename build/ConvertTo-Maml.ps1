<#
.SYNOPSIS
    Builds MAML help from platyPS markdown, for machines where platyPS is not installed.
.DESCRIPTION
    Reads every <Verb-Noun>.md in -Path (platyPS schema 2.0.0: SYNOPSIS, SYNTAX, DESCRIPTION, EXAMPLES,
    PARAMETERS with yaml blocks, INPUTS, OUTPUTS, NOTES, RELATED LINKS) and writes one MAML file that
    Get-Help reads for the module's cmdlets.
#>
param(
    [Parameter(Mandatory)] [string] $Path,
    [Parameter(Mandatory)] [string] $OutputPath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

# Splits markdown into '## Heading' sections: heading → body text.
function Split-Section([string] $Text, [string] $Level) {
    $sections = [ordered]@{}
    $name = $null
    $body = [System.Text.StringBuilder]::new()
    $inCode = $false
    foreach ($line in $Text -split "`r?`n") {
        if ($line.StartsWith('```')) { $inCode = -not $inCode }
        if (-not $inCode -and $line -match "^$Level (.+)$") {
            if ($null -ne $name) { $sections[$name] = $body.ToString().Trim() }
            $name = $Matches[1].Trim()
            $body.Clear() | Out-Null
            continue
        }
        if ($null -ne $name) { $body.AppendLine($line) | Out-Null }
    }
    if ($null -ne $name) { $sections[$name] = $body.ToString().Trim() }
    $sections
}

# Text outside code fences, as paragraphs.
function Get-Paragraph([string] $Text) {
    ($Text -replace '(?s)```.*?```', '') -split "(`r?`n){2,}" | ForEach-Object { $_.Trim() } | Where-Object { $_ }
}

function Get-Fence([string] $Text) {
    [regex]::Matches($Text, '(?s)```[a-z]*\r?\n(.*?)\r?\n```') | ForEach-Object { $_.Groups[1].Value }
}

function Read-Yaml([string] $Text) {
    $values = @{}
    foreach ($line in (Get-Fence $Text | Select-Object -First 1) -split "`r?`n") {
        if ($line -match '^([^:]+):\s*(.*)$') { $values[$Matches[1].Trim()] = $Matches[2].Trim() }
    }
    $values
}

function Read-CommandPage([string] $File) {
    $text = Get-Content $File -Raw
    $name = [regex]::Match($text, '(?m)^# (\S+)').Groups[1].Value
    $sections = Split-Section $text '##'
    $parameters = foreach ($entry in (Split-Section $sections['PARAMETERS'] '###').GetEnumerator()) {
        if ($entry.Key -eq 'CommonParameters') { continue }
        $yaml = Read-Yaml $entry.Value
        [pscustomobject]@{
            Name        = $entry.Key.TrimStart('-')
            Description = @(Get-Paragraph $entry.Value)
            Type        = $yaml['Type']
            Sets        = @($yaml['Parameter Sets'] -split ',\s*')
            Aliases     = $yaml['Aliases']
            Required    = $yaml['Required']
            Position    = $yaml['Position']
            Default     = $yaml['Default value']
            Pipeline    = $yaml['Accept pipeline input']
            Wildcards   = $yaml['Accept wildcard characters']
        }
    }
    $examples = foreach ($entry in (Split-Section $sections['EXAMPLES'] '###').GetEnumerator()) {
        [pscustomobject]@{ Title = $entry.Key; Code = (Get-Fence $entry.Value) -join "`n"; Remarks = @(Get-Paragraph $entry.Value) }
    }
    $syntaxSets = @((Split-Section $sections["SYNTAX"] "###").Keys | ForEach-Object { $_ -replace "\s*\(Default\)$", "" })
    [pscustomobject]@{
        Name        = $name
        Synopsis    = (Get-Paragraph $sections['SYNOPSIS']) -join ' '
        Description = @(Get-Paragraph $sections['DESCRIPTION'])
        SyntaxSets  = $syntaxSets
        Parameters  = @($parameters)
        Examples    = @($examples)
        Inputs      = Split-Section $sections['INPUTS'] '###'
        Outputs     = Split-Section $sections['OUTPUTS'] '###'
        Notes       = @(Get-Paragraph $sections['NOTES'])
        Links       = [regex]::Matches($sections['RELATED LINKS'], '\[([^\]]+)\]\(([^)]*)\)')
    }
}

$maml = 'http://schemas.microsoft.com/maml/2004/10'
$command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$dev = 'http://schemas.microsoft.com/maml/dev/2004/10'

function Write-Para($Writer, $Paragraphs) {
    foreach ($p in @($Paragraphs)) { $Writer.WriteElementString('para', $maml, [string]$p) }
}

function Write-Description($Writer, $Paragraphs) {
    $Writer.WriteStartElement('description', $maml); Write-Para $Writer $Paragraphs; $Writer.WriteEndElement()
}

function Write-Parameter($Writer, $Parameter, [switch] $WithDefault) {
    $Writer.WriteStartElement('parameter', $command)
    $Writer.WriteAttributeString('required', $Parameter.Required.ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', 'true')
    $Writer.WriteAttributeString('globbing', $Parameter.Wildcards.ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', $Parameter.Pipeline)
    $Writer.WriteAttributeString('position', $(if ($Parameter.Position -eq 'Named') { 'named' } else { $Parameter.Position }))
    $Writer.WriteAttributeString('aliases', $(if ($Parameter.Aliases) { $Parameter.Aliases } else { 'none' }))
    $Writer.WriteElementString('name', $maml, $Parameter.Name)
    Write-Description $Writer $Parameter.Description
    if ($Parameter.Type -ne 'SwitchParameter') {
        $Writer.WriteStartElement('parameterValue', $command)
        $Writer.WriteAttributeString('required', 'true')
        $Writer.WriteAttributeString('variableLength', 'false')
        $Writer.WriteString($Parameter.Type)
        $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('type', $dev); $Writer.WriteElementString('name', $maml, $Parameter.Type); $Writer.WriteEndElement()
    if ($WithDefault) { $Writer.WriteElementString('defaultValue', $dev, $Parameter.Default) }
    $Writer.WriteEndElement()
}

function Write-TypeList($Writer, [string] $List, [string] $Item, $Entries) {
    $Writer.WriteStartElement($List, $command)
    foreach ($entry in $Entries.GetEnumerator()) {
        $Writer.WriteStartElement($Item, $command)
        $Writer.WriteStartElement('type', $dev); $Writer.WriteElementString('name', $maml, $entry.Key); $Writer.WriteEndElement()
        Write-Description $Writer (Get-Paragraph $entry.Value)
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
$writer = [System.Xml.XmlWriter]::Create($OutputPath, $settings)
try {
    $writer.WriteStartElement('helpItems', 'http://msh')
    $writer.WriteAttributeString('schema', 'maml')
    foreach ($file in Get-ChildItem $Path -Filter '*-*.md' | Sort-Object Name) {
        $page = Read-CommandPage $file.FullName
        $verb, $noun = $page.Name -split '-', 2
        $writer.WriteStartElement('command', 'command', $command)
        $writer.WriteAttributeString('xmlns', 'maml', $null, $maml)
        $writer.WriteAttributeString('xmlns', 'dev', $null, $dev)

        $writer.WriteStartElement('details', $command)
        $writer.WriteElementString('name', $command, $page.Name)
        Write-Description $writer $page.Synopsis
        $writer.WriteElementString('verb', $command, $verb)
        $writer.WriteElementString('noun', $command, $noun)
        $writer.WriteEndElement()
        Write-Description $writer $page.Description

        $writer.WriteStartElement('syntax', $command)
        foreach ($set in $page.SyntaxSets) {
            $writer.WriteStartElement('syntaxItem', $command)
            $writer.WriteElementString('name', $maml, $page.Name)
            $inSet = $page.Parameters | Where-Object { $_.Sets -contains '(All)' -or $_.Sets -contains $set -or $set -eq '__AllParameterSets' }
            foreach ($parameter in $inSet | Sort-Object { if ($_.Position -match '^\d+$') { [int]$_.Position } else { 99 } }) {
                Write-Parameter $writer $parameter
            }
            $writer.WriteEndElement()
        }
        $writer.WriteEndElement()

        $writer.WriteStartElement('parameters', $command)
        foreach ($parameter in $page.Parameters) { Write-Parameter $writer $parameter -WithDefault }
        $writer.WriteEndElement()

        Write-TypeList $writer 'inputTypes' 'inputType' $page.Inputs
        Write-TypeList $writer 'returnValues' 'returnValue' $page.Outputs

        $writer.WriteStartElement('alertSet', $maml); $writer.WriteStartElement('alert', $maml)
        Write-Para $writer $page.Notes
        $writer.WriteEndElement(); $writer.WriteEndElement()

        $writer.WriteStartElement('examples', $command)
        foreach ($example in $page.Examples) {
            $writer.WriteStartElement('example', $command)
            $writer.WriteElementString('title', $maml, "-------------------------- $($example.Title) --------------------------")
            $writer.WriteElementString('code', $dev, $example.Code)
            $writer.WriteStartElement('remarks', $dev); Write-Para $writer $example.Remarks; $writer.WriteEndElement()
            $writer.WriteEndElement()
        }
        $writer.WriteEndElement()

        $writer.WriteStartElement('relatedLinks', $command)
        foreach ($link in $page.Links) {
            $writer.WriteStartElement('navigationLink', $maml)
            $writer.WriteElementString('linkText', $maml, $link.Groups[1].Value)
            $writer.WriteElementString('uri', $maml, $(if ($link.Groups[2].Value -match '^https?:') { $link.Groups[2].Value } else { '' }))
            $writer.WriteEndElement()
        }
        $writer.WriteEndElement()

        $writer.WriteEndElement()   # command
    }
    $writer.WriteEndElement()       # helpItems
}
finally { $writer.Dispose() }
