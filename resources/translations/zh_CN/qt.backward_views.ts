<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>CheckTable</name>
    <message>
        <source>check</source>
        <translation>检验项</translation>
    </message>
    <message>
        <source>value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>result</source>
        <translation>结果</translation>
    </message>
</context>
<context>
    <name>FormulaCard</name>
    <message>
        <source>No step yet.</source>
        <translation>还没有执行任何一步。</translation>
    </message>
    <message>
        <source>backward of</source>
        <translation>是以下运算的反向传播：</translation>
    </message>
    <message>
        <source>this step:</source>
        <translation>这一步：</translation>
    </message>
</context>
<context>
    <name>LeafTable</name>
    <message>
        <source>leaf</source>
        <translation>叶子</translation>
    </message>
    <message>
        <source>.grad before</source>
        <translation>之前的 .grad</translation>
    </message>
    <message>
        <source>+ contributions so far</source>
        <translation>+ 目前累加的贡献</translation>
    </message>
    <message>
        <source>= .grad</source>
        <translation>= .grad</translation>
    </message>
    <message>
        <source>… {count} more</source>
        <translation>… 还有 {count} 项</translation>
    </message>
    <message>
        <source>{count} contributions</source>
        <translation>共 {count} 项贡献</translation>
    </message>
    <message>
        <source>(the first {count} not listed)</source>
        <translation>（前 {count} 项未列出）</translation>
    </message>
    <message>
        <source>(pending)</source>
        <translation>（待写入）</translation>
    </message>
    <message>
        <source>pending: the leaf&apos;s AccumulateGrad has not run yet</source>
        <translation>待写入：这个叶子的 AccumulateGrad 还没有运行</translation>
    </message>
    <message>
        <source>{name}: shape {shape}</source>
        <translation>{name}：形状 {shape}</translation>
    </message>
    <message>
        <source>(non-leaf, retain_grad)</source>
        <translation>（非叶子，retain_grad）</translation>
    </message>
</context>
</TS>
