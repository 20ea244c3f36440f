<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>GraphView</name>
    <message>
        <source>leaf tensor: requires grad; backward fills its .grad</source>
        <translation>叶子张量：需要梯度；反向传播会填入它的 .grad</translation>
    </message>
    <message>
        <source>output (root): backward starts here</source>
        <translation>输出（根节点）：反向传播从这里开始</translation>
    </message>
    <message>
        <source>base tensor of a view: the view shares its storage</source>
        <translation>视图的基张量：视图与它共享存储</translation>
    </message>
    <message>
        <source>saved for backward: the function needs this value to compute its gradient</source>
        <translation>为反向传播保存：该函数需要这个值来计算梯度</translation>
    </message>
    <message>
        <source>constant: no history, so no gradient flows into it</source>
        <translation>常量：没有计算历史，所以没有梯度流入</translation>
    </message>
    <message>
        <source>cut off: made from a tensor with history by detach() / no_grad; the gradient stops</source>
        <translation>已截断：由有计算历史的张量经 detach() / no_grad 得到；梯度在此停止</translation>
    </message>
    <message>
        <source>a collapsed module: click to open it</source>
        <translation>折叠的模块：点击展开</translation>
    </message>
    <message>
        <source>leaf</source>
        <translation>叶子</translation>
    </message>
    <message>
        <source>function</source>
        <translation>函数</translation>
    </message>
    <message>
        <source>output</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>base</source>
        <translation>基张量</translation>
    </message>
    <message>
        <source>saved</source>
        <translation>已保存</translation>
    </message>
    <message>
        <source>constant</source>
        <translation>常量</translation>
    </message>
    <message>
        <source>module</source>
        <translation>模块</translation>
    </message>
    <message>
        <source>&lt;b&gt;Your graph appears here.&lt;/b&gt;&lt;br&gt;Create a tensor with requires_grad=True (Ctrl+N), then apply an op from the palette:&lt;br&gt;each op adds its backward function to this graph.</source>
        <translation>&lt;b&gt;计算图会显示在这里。&lt;/b&gt;&lt;br&gt;先创建一个 requires_grad=True 的张量（Ctrl+N），再从运算面板应用一个运算：&lt;br&gt;每个运算都会把它的反向传播函数加到这张图中。</translation>
    </message>
    <message>
        <source>Find a node by name…  (Enter: next)</source>
        <translation>按名称查找节点…（Enter：下一个）</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>适应窗口</translation>
    </message>
    <message>
        <source>Fit the graph in view (never so small that its text cannot be read)</source>
        <translation>缩放计算图以适应视图（不会小到文字无法阅读）</translation>
    </message>
    <message>
        <source>Expand all</source>
        <translation>全部展开</translation>
    </message>
    <message>
        <source>Open every module group and every ×N fold</source>
        <translation>展开每个模块分组和每个 ×N 折叠</translation>
    </message>
    <message>
        <source>Collapse all</source>
        <translation>全部折叠</translation>
    </message>
    <message>
        <source>Show each top-level module as one box</source>
        <translation>把每个顶层模块显示为一个方框</translation>
    </message>
    <message>
        <source>Saved tensors</source>
        <translation>保存的张量</translation>
    </message>
    <message>
        <source>Show the tensors each function saved for backward (orange)</source>
        <translation>显示每个函数为反向传播保存的张量（橙色）</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>PNG image…</source>
        <translation>PNG 图片…</translation>
    </message>
    <message>
        <source>SVG image…</source>
        <translation>SVG 图片…</translation>
    </message>
    <message>
        <source>DOT file…</source>
        <translation>DOT 文件…</translation>
    </message>
    <message>
        <source>Back to the workspace</source>
        <translation>回到工作区</translation>
    </message>
    <message>
        <source>Show the workspace's own graph again</source>
        <translation>重新显示工作区自己的计算图</translation>
    </message>
    <message>
        <source>backward fn</source>
        <translation>反向传播函数</translation>
    </message>
    <message>
        <source>cut off</source>
        <translation>已截断</translation>
    </message>
    <message>
        <source>backward function: computes input gradients</source>
        <translation>反向传播函数：计算输入的梯度</translation>
    </message>
    <message>
        <source>a graph from outside the workspace</source>
        <translation>来自工作区之外的计算图</translation>
    </message>
    <message>
        <source>Showing &lt;b&gt;{label}&lt;/b&gt;, not the workspace. Its .grad values are set aside while you step through it.</source>
        <translation>正在显示 &lt;b&gt;{label}&lt;/b&gt;，而不是工作区。逐步查看时，它的 .grad 值会暂时搁置。</translation>
    </message>
    <message>
        <source>Showing &lt;b&gt;{label}&lt;/b&gt;, not the workspace. It came from a watched script, which recorded its backward: step through it.</source>
        <translation>正在显示 &lt;b&gt;{label}&lt;/b&gt;，而不是工作区。它来自被监视的脚本，脚本记录了它的反向传播：可以逐步查看。</translation>
    </message>
    <message>
        <source>Showing &lt;b&gt;{label}&lt;/b&gt;, not the workspace. It came from a watched script: its shape only, no values to step.</source>
        <translation>正在显示 &lt;b&gt;{label}&lt;/b&gt;，而不是工作区。它来自被监视的脚本：只有形状，没有可以逐步查看的数值。</translation>
    </message>
    <message>
        <source>empty graph</source>
        <translation>空计算图</translation>
    </message>
    <message>
        <source>Create a tensor with requires_grad=True and apply an op: its graph grows here.</source>
        <translation>创建一个 requires_grad=True 的张量并应用一个运算：它的计算图会在这里生长。</translation>
    </message>
    <message>
        <source>module &lt;b&gt;{path}&lt;/b&gt; (open): click its title to collapse it</source>
        <translation>模块 &lt;b&gt;{path}&lt;/b&gt;（已展开）：点击标题将其折叠</translation>
    </message>
    <message>
        <source>{count} nodes inside · click to open</source>
        <translation>内含 {count} 个节点 · 点击展开</translation>
    </message>
    <message>
        <source>backward of &lt;i&gt;{op}&lt;/i&gt;: {doc}</source>
        <translation>&lt;i&gt;{op}&lt;/i&gt; 的反向传播：{doc}</translation>
    </message>
    <message>
        <source>forward output</source>
        <translation>前向输出</translation>
    </message>
    <message>
        <source>a view of {base}</source>
        <translation>{base} 的视图</translation>
    </message>
    <message>
        <source>module {path}</source>
        <translation>模块 {path}</translation>
    </message>
    <message>
        <source>no node matches {text}</source>
        <translation>没有与 {text} 匹配的节点</translation>
    </message>
    <message>
        <source>{index} of {count}: {name}</source>
        <translation>第 {index} / {count} 个：{name}</translation>
    </message>
    <message>
        <source>there is no graph to export</source>
        <translation>没有可导出的计算图</translation>
    </message>
    <message>
        <source>unknown export format {suffix}: use .png, .svg or .dot</source>
        <translation>未知的导出格式 {suffix}：请使用 .png、.svg 或 .dot</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>PNG image</source>
        <translation>PNG 图片</translation>
    </message>
    <message>
        <source>SVG image</source>
        <translation>SVG 图片</translation>
    </message>
    <message>
        <source>Export graph</source>
        <translation>导出计算图</translation>
    </message>
    <message>
        <source>export failed: {error}</source>
        <translation>导出失败：{error}</translation>
    </message>
    <message>
        <source>exported {file}</source>
        <translation>已导出 {file}</translation>
    </message>
</context>
<context>
    <name>Minimap</name>
    <message>
        <source>Overview: the frame is what the view shows; click to go there</source>
        <translation>概览：方框是视图当前显示的区域；点击可跳转</translation>
    </message>
</context>
</TS>