import { describe, expect, it } from 'vitest';
import { placeholderProblems, render, renderContent, renderHtml, variableNames, variablePaths } from './render.js';

describe('render', () => {
  const vars = { name: '王芳', coupon: { code: 'WB-7Q3K', amount: 20 }, empty: '', stores: [{ name: '静安店' }, { name: '徐汇店' }], n: 0 };

  it('fills names, dotted paths and fallbacks exactly', () => {
    expect(render('{{name}}，您好', vars)).toBe('王芳，您好');
    expect(render('券码 {{coupon.code}}，面额 {{ coupon.amount }} 元', vars)).toBe('券码 WB-7Q3K，面额 20 元');
    expect(render('{{nickname|亲爱的会员}}，您好', vars)).toBe('亲爱的会员，您好');
    expect(render('{{empty|朋友}}/{{coupon.missing|无}}/{{coupon.code.deeper}}/{{n}}', vars)).toBe('朋友/无//0');
    expect(render('{{missing}}!', vars)).toBe('!');
    expect(render('{{stores}}', vars)).toBe('静安店、徐汇店');
    expect(render('{{stores}}', vars, { locale: 'en' })).toBe('静安店, 徐汇店');
    expect(render('{{ not a name }} {name} {{name}}', vars)).toBe('{{ not a name }} {name} 王芳');
  });

  it('lists the variables a text uses', () => {
    expect(variablePaths('{{name}} {{coupon.code}} {{name|x}} {{coupon.amount}}')).toEqual(['name', 'coupon.code', 'coupon.amount']);
    expect(variableNames('{{name}} {{coupon.code}} {{coupon.amount}}')).toEqual(['name', 'coupon']);
  });

  it('names bad placeholders', () => {
    expect(placeholderProblems('{{name}} ok')).toEqual([]);
    expect(placeholderProblems('hi {{name')).toEqual(['a {{ is not closed by }}']);
    expect(placeholderProblems('{{first name}}')).toEqual(['{{first name}} is not a variable name (letters, digits, _ and dots)']);
  });

  it('escapes values in the HTML part of an email, not the template’s own markup', () => {
    const v = { name: '<b>Tom & "Jerry"</b>' };
    expect(renderHtml('<p>Hi {{name}}</p>', v)).toBe('<p>Hi &lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;</p>');
    expect(renderHtml('Hi {{name}} & co\nline 2\n\nP2 {{x|无 & "其他"}}', v)).toBe(
      '<p>Hi &lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt; &amp; co<br>line 2</p>\n<p>P2 无 &amp; &quot;其他&quot;</p>',
    );
    const r = renderContent('email', { subject: '{{name}} 的礼物', body: 'Hi {{name}}' }, { name: 'A<B' }, 'en');
    expect(r).toEqual({ subject: 'A<B 的礼物', body: 'Hi A<B', html: '<p>Hi A&lt;B</p>' });
    expect(renderContent('email', { subject: 'S', body: '<h1>Hi {{name}}</h1><p>a<br>b &amp; c</p>' }, { name: 'A<B' }, 'en')).toEqual({
      subject: 'S',
      body: 'Hi A<B\n\na\nb & c',
      html: '<h1>Hi A&lt;B</h1><p>a<br>b &amp; c</p>',
    });
    expect(renderContent('sms', { body: 'Hi {{name}}' }, { name: 'A<B' }, 'en')).toEqual({ subject: null, body: 'Hi A<B', html: null });
  });
});
