<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>OpPalette</name>
    <message>
        <source>No tensors yet: create one with Ctrl+N, then pick it here.</source>
        <translation>还没有张量：按 Ctrl+N 创建一个，再在这里选中它。</translation>
    </message>
    <message>
        <source>Search ops…  (e.g. soft)</source>
        <translation>搜索运算…（例如 soft）</translation>
    </message>
    <message>
        <source>Type to filter; Down to browse, Enter to fill in the op</source>
        <translation>输入文字筛选；按 ↓ 浏览，按 Enter 填写该运算</translation>
    </message>
    <message>
        <source>the maths this op computes</source>
        <translation>这个运算计算的数学式</translation>
    </message>
    <message>
        <source>name of the new tensor; Enter applies</source>
        <translation>新张量的名称；按 Enter 应用</translation>
    </message>
    <message>
        <source>result name</source>
        <translation>结果名称</translation>
    </message>
    <message>
        <source>under torch.no_grad()</source>
        <translation>在 torch.no_grad() 下运行</translation>
    </message>
    <message>
        <source>Run the op with autograd off: the result has no grad_fn.</source>
        <translation>关闭自动微分运行该运算：结果没有 grad_fn。</translation>
    </message>
    <message>
        <source>the PyTorch code Apply runs (it goes into the Code panel)</source>
        <translation>“应用”将运行的 PyTorch 代码（它会写入“代码”面板）</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>应用</translation>
    </message>
    <message>
        <source>Apply the op (Enter in any field)</source>
        <translation>应用该运算（在任意输入框中按 Enter）</translation>
    </message>
    <message>
        <source>No op matches {text}</source>
        <translation>没有与 {text} 匹配的运算</translation>
    </message>
    <message>
        <source>in place: changes {name}</source>
        <translation>原地操作：修改 {name}</translation>
    </message>
    <message>
        <source>pick a workspace tensor for at least one input: numbers alone make no tensor</source>
        <translation>请至少为一个输入选择工作区中的张量：只有数字无法得到张量</translation>
    </message>
    <message>
        <source>: shape {shape}, {dtype}</source>
        <translation>：形状 {shape}，{dtype}</translation>
    </message>
    <message>
        <source>{op} applied: {target} changed in place</source>
        <translation>已应用 {op}：{target} 被原地修改</translation>
    </message>
    <message>
        <source>{op} applied → {out}{what}</source>
        <translation>已应用 {op} → {out}{what}</translation>
    </message>
</context>
</TS>
