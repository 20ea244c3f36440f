<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>GraphExport</name>
    <message>
        <source>could not write PNG to {path}</source>
        <translation>无法写入 PNG 文件 {path}</translation>
    </message>
    <message>
        <source>could not write SVG to {path}</source>
        <translation>无法写入 SVG 文件 {path}</translation>
    </message>
    <message>
        <source>unknown image format {suffix}: use .png or .svg</source>
        <translation>未知的图片格式 {suffix}：请使用 .png 或 .svg</translation>
    </message>
</context>
</TS>
