"""The ribbon definition (customUI.xml) and its VBA callbacks (LazarusRibbon.bas), shipped as data."""
